"""The みたポ merchant SDK."""
