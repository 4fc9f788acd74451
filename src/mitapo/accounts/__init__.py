"""Who may call the service: residents and their wallets, principals (every role's secrets), and
authentication."""
