package io.pgisolate.isolation;

import java.sql.SQLException;
import org.postgresql.core.BaseConnection;
import org.postgresql.largeobject.LargeObject;
import org.postgresql.largeobject.LargeObjectManager;

/**
 * The {@code LargeObjectManager} a TRANSACTION handle gives out ({@code getLargeObjectAPI()}):
 * pgjdbc's, on the worker's connection, but creating, opening or deleting a large object is a
 * statement of the handle: it begins the handle's transaction (so that {@code rollback()} undoes
 * it), and it is refused once the test ended. pgjdbc's other methods ({@code open(oid)}, {@code
 * createLO()}, {@code unlink} …) all go through these three.
 */
final class HandleLargeObjects extends LargeObjectManager {
  private final HandleObject.Owner owner;

  HandleLargeObjects(HandleObject.Owner owner, BaseConnection real) throws SQLException {
    super(real);
    this.owner = owner;
  }

  @Override
  public LargeObject open(long oid, int mode, boolean commitOnClose) throws SQLException {
    return owner.asStatement(() -> super.open(oid, mode, commitOnClose));
  }

  @Override
  public long createLO(int mode) throws SQLException {
    return owner.asStatement(() -> super.createLO(mode));
  }

  @Override
  public void delete(long oid) throws SQLException {
    owner.asStatement(
        () -> {
          super.delete(oid);
          return null;
        });
  }
}
