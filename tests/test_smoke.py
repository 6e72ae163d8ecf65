def test_audit_guard_blocks_update(db, person):
    from django.db import connection, DatabaseError
    import pytest
    with pytest.raises(DatabaseError):
        with connection.cursor() as c:
            c.execute("UPDATE audit_event SET action = 'x'")

def test_transactional(transactional_db, person):
    assert person.pk
