"""The moderation register: comments hidden or deleted on the city's accounts, and their
registration (diarieföring) with the city's registry, as the guideline requires.

- :mod:`~governance.moderation.records`: a record, the guideline's categories, the field parsers;
- :mod:`~governance.moderation.requests`: a new record as typed, parsed for every front end;
- :mod:`~governance.moderation.stored`: the shape a stored record must have (commands, doctor);
- :mod:`~governance.moderation.screenshots`: reading and checking a screenshot (a file, or
  standard input), and refusing paths in served and service-account sessions;
- :mod:`~governance.moderation.service`: recording, listing, registering;
- :mod:`~governance.moderation.retention`: deleting screenshots whose time is up;
- :mod:`~governance.moderation.registration`: the registration mail;
- :mod:`~governance.moderation.export`: the CSV/xlsx export;
- :mod:`~governance.moderation.facts`: what the audit's rules are told;
- :mod:`~governance.moderation.settings`: ``[moderation]`` in settings.toml.

The store keeps the records in ``moderation/records.json`` and the screenshots, named by their
SHA-256, in ``moderation/screenshots/`` (:mod:`governance.storage.moderation_files`).
"""
