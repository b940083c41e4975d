"""The Textual UI: a thin layer over governance/ and audits/."""
