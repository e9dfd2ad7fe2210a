"""Documents the bot sends as files: the certificate PDF and the hours CSV export.

Built from what the services return (a certificate's frozen statement, the export's rows),
in the reader's language; no database here.
"""
