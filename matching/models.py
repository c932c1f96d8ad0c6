# Match and ContactRequest arrive with the matching engine (issue 6).
