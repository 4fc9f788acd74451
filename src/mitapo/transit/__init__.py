"""Riding with みたポ: operators, routes, the fare table, taps from the readers, and on-demand bookings."""
