"""The demo town that `make run` loads, so that every page and endpoint has something to show."""
