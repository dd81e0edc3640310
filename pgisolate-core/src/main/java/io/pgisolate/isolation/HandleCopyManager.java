package io.pgisolate.isolation;

import java.sql.SQLException;
import org.postgresql.copy.CopyDual;
import org.postgresql.copy.CopyIn;
import org.postgresql.copy.CopyManager;
import org.postgresql.copy.CopyOut;
import org.postgresql.core.BaseConnection;

/**
 * The {@code CopyManager} a TRANSACTION handle gives out ({@code getCopyAPI()}): pgjdbc's, on the
 * worker's connection, but each COPY is a statement of the handle, as one run through its {@link
 * java.sql.Statement}s is: it begins the handle's transaction (so that {@code rollback()} undoes
 * it), and it is refused once the test ended (it would run in the next test). pgjdbc's other copy
 * methods ({@code copyIn(sql, reader)} …) all start with one of these three.
 */
final class HandleCopyManager extends CopyManager {
  private final HandleObject.Owner owner;

  HandleCopyManager(HandleObject.Owner owner, BaseConnection real) throws SQLException {
    super(real);
    this.owner = owner;
  }

  @Override
  public CopyIn copyIn(String sql) throws SQLException {
    return owner.asStatement(() -> super.copyIn(sql));
  }

  @Override
  public CopyOut copyOut(String sql) throws SQLException {
    return owner.asStatement(() -> super.copyOut(sql));
  }

  @Override
  public CopyDual copyDual(String sql) throws SQLException {
    return owner.asStatement(() -> super.copyDual(sql));
  }
}
