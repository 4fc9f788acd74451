"""What auditors see: the trial balance, the journal, its export and verification, and the auditor's desk."""
