"""みたポ cards: a printed card with a QR code and a PIN, for residents without a smartphone."""
