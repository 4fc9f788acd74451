"""Points for taking part: programs and their budgets, organizers' events, check-ins, gifts between residents,
expiry, and the resident's statement."""
