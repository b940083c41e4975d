"""Quarterly audits: guideline rules, audit runs, working-time deadlines and exports. Headless."""
