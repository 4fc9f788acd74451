"""The pure double-entry core of みたポ."""
