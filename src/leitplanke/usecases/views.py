"""Pages of the use-case registry: library, intake, profile, edit."""
