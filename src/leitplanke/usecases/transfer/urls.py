"""URLs of import and export (mounted inside the ``usecases`` namespace)."""

urlpatterns: list = []
