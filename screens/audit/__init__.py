"""The audit screen (tab 3): the quarter's run, the worklist of its findings, the diff, exports.

``view`` holds the tab itself, ``worklist`` the findings table with its filters and actions,
``detail`` the highlighted finding in full, ``summary`` the counts and the diff, and the two
dialogs (``review_dialog`` for acknowledging and waiving, ``export_dialog``) ask before acting.
"""

from screens.audit.view import AuditView

__all__ = ["AuditView"]
