"""Answer composition: from a leader's question to a cited answer, as data."""
