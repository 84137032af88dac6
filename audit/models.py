"""Who saw what: the access log (filled in by the security issue) and pghistory's change log."""
