"""The headless command line: a thin layer of argument parsing over governance/ and audits/."""
