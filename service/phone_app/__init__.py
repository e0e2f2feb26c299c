"""The members' phone app: an installable offline web app served by the service at /app."""
