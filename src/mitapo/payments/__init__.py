"""Paying at shops: merchants and their codes, payment requests, payments, residents' pay codes, refunds,
cashback campaigns, settlements with their payout files, and webhooks."""
