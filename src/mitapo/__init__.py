"""みたポ: Mitaka's community point service."""
