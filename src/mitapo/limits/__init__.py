"""Abuse limits: token buckets shared by every worker process (`buckets`) and the policies over them
(`rules`)."""
