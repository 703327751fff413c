"""Privacy and data: a member's export, deletion and analytics opt-out; raw-activity retention; managers'
CSV exports of their community."""
