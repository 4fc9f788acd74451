"""Money and donations: top-ups through the payment channels, premium campaigns and the awards they give,
recipients and donations, matching offers, and closing a resident's account."""
