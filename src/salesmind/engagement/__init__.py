"""Engagement automation: mail, cadences, bandits, booking, content and drafts."""
