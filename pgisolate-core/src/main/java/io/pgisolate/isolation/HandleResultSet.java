package io.pgisolate.isolation;

import java.io.InputStream;
import java.io.Reader;
import java.math.BigDecimal;
import java.net.URL;
import java.sql.Array;
import java.sql.Blob;
import java.sql.Clob;
import java.sql.Date;
import java.sql.NClob;
import java.sql.Ref;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.RowId;
import java.sql.SQLException;
import java.sql.SQLType;
import java.sql.SQLWarning;
import java.sql.SQLXML;
import java.sql.Statement;
import java.sql.Time;
import java.sql.Timestamp;
import java.util.Calendar;
import java.util.Map;

/**
 * A result set a test got through a TRANSACTION handle: pgjdbc's, whose {@code getStatement()}
 * would lead to the worker's connection, made to lead back to the handle ({@link HandleObject} does
 * this for the other JDBC objects). Written out rather than a dynamic proxy, which costs a
 * reflective call on every {@code next()} and {@code getX()}: a test reads its rows through here.
 * Every method but {@link #getStatement}, the {@code getObject}s and {@code getArray}s (whose
 * values may be arrays or result sets, wrapped in turn) and the {@code Wrapper} ones hands the call
 * to pgjdbc's, after checking that its test has not ended.
 */
@SuppressWarnings("deprecation") // the deprecated getters are part of the interface
final class HandleResultSet implements ResultSet {
  private final HandleObject.Owner owner;
  private final ResultSet real;

  /** What handed it out, to give back as its statement; null for none. */
  private final HandleObject parent;

  HandleResultSet(HandleObject.Owner owner, ResultSet real, HandleObject parent) {
    this.owner = owner;
    this.real = real;
    this.parent = parent;
  }

  @Override
  public Statement getStatement() throws SQLException {
    owner.ensureOpen();
    return (Statement) HandleObject.wrap(owner, real.getStatement(), parent);
  }

  @Override
  public Object getObject(int column) throws SQLException {
    owner.ensureOpen();
    return HandleObject.wrap(owner, real.getObject(column), parent);
  }

  @Override
  public Object getObject(String column) throws SQLException {
    owner.ensureOpen();
    return HandleObject.wrap(owner, real.getObject(column), parent);
  }

  @Override
  public Object getObject(int column, Map<String, Class<?>> map) throws SQLException {
    owner.ensureOpen();
    return HandleObject.wrap(owner, real.getObject(column, map), parent);
  }

  @Override
  public Object getObject(String column, Map<String, Class<?>> map) throws SQLException {
    owner.ensureOpen();
    return HandleObject.wrap(owner, real.getObject(column, map), parent);
  }

  @Override
  public <T> T getObject(int column, Class<T> type) throws SQLException {
    owner.ensureOpen();
    return type.cast(HandleObject.wrap(owner, real.getObject(column, type), parent));
  }

  @Override
  public <T> T getObject(String column, Class<T> type) throws SQLException {
    owner.ensureOpen();
    return type.cast(HandleObject.wrap(owner, real.getObject(column, type), parent));
  }

  @Override
  public Array getArray(int column) throws SQLException {
    owner.ensureOpen();
    return (Array) HandleObject.wrap(owner, real.getArray(column), parent);
  }

  @Override
  public Array getArray(String column) throws SQLException {
    owner.ensureOpen();
    return (Array) HandleObject.wrap(owner, real.getArray(column), parent);
  }

  @Override
  public <T> T unwrap(Class<T> type) throws SQLException {
    return type.isInstance(this) ? type.cast(this) : real.unwrap(type);
  }

  @Override
  public boolean isWrapperFor(Class<?> type) throws SQLException {
    return type.isInstance(this) || real.isWrapperFor(type);
  }

  @Override
  public void close() throws SQLException {
    real.close();
  }

  @Override
  public boolean isClosed() throws SQLException {
    return real.isClosed();
  }

  @Override
  public String toString() {
    return real.toString();
  }

  // --- the rest: handed to pgjdbc's ---

  @Override
  public boolean absolute(int a0) throws SQLException {
    owner.ensureOpen();
    return real.absolute(a0);
  }

  @Override
  public void afterLast() throws SQLException {
    owner.ensureOpen();
    real.afterLast();
  }

  @Override
  public void beforeFirst() throws SQLException {
    owner.ensureOpen();
    real.beforeFirst();
  }

  @Override
  public void cancelRowUpdates() throws SQLException {
    owner.ensureOpen();
    real.cancelRowUpdates();
  }

  @Override
  public void clearWarnings() throws SQLException {
    owner.ensureOpen();
    real.clearWarnings();
  }

  @Override
  public void deleteRow() throws SQLException {
    owner.ensureOpen();
    real.deleteRow();
  }

  @Override
  public int findColumn(String a0) throws SQLException {
    owner.ensureOpen();
    return real.findColumn(a0);
  }

  @Override
  public boolean first() throws SQLException {
    owner.ensureOpen();
    return real.first();
  }

  @Override
  public InputStream getAsciiStream(String a0) throws SQLException {
    owner.ensureOpen();
    return real.getAsciiStream(a0);
  }

  @Override
  public InputStream getAsciiStream(int a0) throws SQLException {
    owner.ensureOpen();
    return real.getAsciiStream(a0);
  }

  @Override
  public BigDecimal getBigDecimal(String a0, int a1) throws SQLException {
    owner.ensureOpen();
    return real.getBigDecimal(a0, a1);
  }

  @Override
  public BigDecimal getBigDecimal(String a0) throws SQLException {
    owner.ensureOpen();
    return real.getBigDecimal(a0);
  }

  @Override
  public BigDecimal getBigDecimal(int a0, int a1) throws SQLException {
    owner.ensureOpen();
    return real.getBigDecimal(a0, a1);
  }

  @Override
  public BigDecimal getBigDecimal(int a0) throws SQLException {
    owner.ensureOpen();
    return real.getBigDecimal(a0);
  }

  @Override
  public InputStream getBinaryStream(String a0) throws SQLException {
    owner.ensureOpen();
    return real.getBinaryStream(a0);
  }

  @Override
  public InputStream getBinaryStream(int a0) throws SQLException {
    owner.ensureOpen();
    return real.getBinaryStream(a0);
  }

  @Override
  public Blob getBlob(String a0) throws SQLException {
    owner.ensureOpen();
    return real.getBlob(a0);
  }

  @Override
  public Blob getBlob(int a0) throws SQLException {
    owner.ensureOpen();
    return real.getBlob(a0);
  }

  @Override
  public boolean getBoolean(String a0) throws SQLException {
    owner.ensureOpen();
    return real.getBoolean(a0);
  }

  @Override
  public boolean getBoolean(int a0) throws SQLException {
    owner.ensureOpen();
    return real.getBoolean(a0);
  }

  @Override
  public byte getByte(String a0) throws SQLException {
    owner.ensureOpen();
    return real.getByte(a0);
  }

  @Override
  public byte getByte(int a0) throws SQLException {
    owner.ensureOpen();
    return real.getByte(a0);
  }

  @Override
  public byte[] getBytes(String a0) throws SQLException {
    owner.ensureOpen();
    return real.getBytes(a0);
  }

  @Override
  public byte[] getBytes(int a0) throws SQLException {
    owner.ensureOpen();
    return real.getBytes(a0);
  }

  @Override
  public Reader getCharacterStream(String a0) throws SQLException {
    owner.ensureOpen();
    return real.getCharacterStream(a0);
  }

  @Override
  public Reader getCharacterStream(int a0) throws SQLException {
    owner.ensureOpen();
    return real.getCharacterStream(a0);
  }

  @Override
  public Clob getClob(String a0) throws SQLException {
    owner.ensureOpen();
    return real.getClob(a0);
  }

  @Override
  public Clob getClob(int a0) throws SQLException {
    owner.ensureOpen();
    return real.getClob(a0);
  }

  @Override
  public int getConcurrency() throws SQLException {
    owner.ensureOpen();
    return real.getConcurrency();
  }

  @Override
  public String getCursorName() throws SQLException {
    owner.ensureOpen();
    return real.getCursorName();
  }

  @Override
  public Date getDate(String a0, Calendar a1) throws SQLException {
    owner.ensureOpen();
    return real.getDate(a0, a1);
  }

  @Override
  public Date getDate(String a0) throws SQLException {
    owner.ensureOpen();
    return real.getDate(a0);
  }

  @Override
  public Date getDate(int a0, Calendar a1) throws SQLException {
    owner.ensureOpen();
    return real.getDate(a0, a1);
  }

  @Override
  public Date getDate(int a0) throws SQLException {
    owner.ensureOpen();
    return real.getDate(a0);
  }

  @Override
  public double getDouble(String a0) throws SQLException {
    owner.ensureOpen();
    return real.getDouble(a0);
  }

  @Override
  public double getDouble(int a0) throws SQLException {
    owner.ensureOpen();
    return real.getDouble(a0);
  }

  @Override
  public int getFetchDirection() throws SQLException {
    owner.ensureOpen();
    return real.getFetchDirection();
  }

  @Override
  public int getFetchSize() throws SQLException {
    owner.ensureOpen();
    return real.getFetchSize();
  }

  @Override
  public float getFloat(String a0) throws SQLException {
    owner.ensureOpen();
    return real.getFloat(a0);
  }

  @Override
  public float getFloat(int a0) throws SQLException {
    owner.ensureOpen();
    return real.getFloat(a0);
  }

  @Override
  public int getHoldability() throws SQLException {
    owner.ensureOpen();
    return real.getHoldability();
  }

  @Override
  public int getInt(String a0) throws SQLException {
    owner.ensureOpen();
    return real.getInt(a0);
  }

  @Override
  public int getInt(int a0) throws SQLException {
    owner.ensureOpen();
    return real.getInt(a0);
  }

  @Override
  public long getLong(String a0) throws SQLException {
    owner.ensureOpen();
    return real.getLong(a0);
  }

  @Override
  public long getLong(int a0) throws SQLException {
    owner.ensureOpen();
    return real.getLong(a0);
  }

  @Override
  public ResultSetMetaData getMetaData() throws SQLException {
    owner.ensureOpen();
    return real.getMetaData();
  }

  @Override
  public Reader getNCharacterStream(String a0) throws SQLException {
    owner.ensureOpen();
    return real.getNCharacterStream(a0);
  }

  @Override
  public Reader getNCharacterStream(int a0) throws SQLException {
    owner.ensureOpen();
    return real.getNCharacterStream(a0);
  }

  @Override
  public NClob getNClob(String a0) throws SQLException {
    owner.ensureOpen();
    return real.getNClob(a0);
  }

  @Override
  public NClob getNClob(int a0) throws SQLException {
    owner.ensureOpen();
    return real.getNClob(a0);
  }

  @Override
  public String getNString(String a0) throws SQLException {
    owner.ensureOpen();
    return real.getNString(a0);
  }

  @Override
  public String getNString(int a0) throws SQLException {
    owner.ensureOpen();
    return real.getNString(a0);
  }

  @Override
  public Ref getRef(String a0) throws SQLException {
    owner.ensureOpen();
    return real.getRef(a0);
  }

  @Override
  public Ref getRef(int a0) throws SQLException {
    owner.ensureOpen();
    return real.getRef(a0);
  }

  @Override
  public int getRow() throws SQLException {
    owner.ensureOpen();
    return real.getRow();
  }

  @Override
  public RowId getRowId(String a0) throws SQLException {
    owner.ensureOpen();
    return real.getRowId(a0);
  }

  @Override
  public RowId getRowId(int a0) throws SQLException {
    owner.ensureOpen();
    return real.getRowId(a0);
  }

  @Override
  public SQLXML getSQLXML(String a0) throws SQLException {
    owner.ensureOpen();
    return real.getSQLXML(a0);
  }

  @Override
  public SQLXML getSQLXML(int a0) throws SQLException {
    owner.ensureOpen();
    return real.getSQLXML(a0);
  }

  @Override
  public short getShort(String a0) throws SQLException {
    owner.ensureOpen();
    return real.getShort(a0);
  }

  @Override
  public short getShort(int a0) throws SQLException {
    owner.ensureOpen();
    return real.getShort(a0);
  }

  @Override
  public String getString(String a0) throws SQLException {
    owner.ensureOpen();
    return real.getString(a0);
  }

  @Override
  public String getString(int a0) throws SQLException {
    owner.ensureOpen();
    return real.getString(a0);
  }

  @Override
  public Time getTime(String a0, Calendar a1) throws SQLException {
    owner.ensureOpen();
    return real.getTime(a0, a1);
  }

  @Override
  public Time getTime(String a0) throws SQLException {
    owner.ensureOpen();
    return real.getTime(a0);
  }

  @Override
  public Time getTime(int a0, Calendar a1) throws SQLException {
    owner.ensureOpen();
    return real.getTime(a0, a1);
  }

  @Override
  public Time getTime(int a0) throws SQLException {
    owner.ensureOpen();
    return real.getTime(a0);
  }

  @Override
  public Timestamp getTimestamp(String a0, Calendar a1) throws SQLException {
    owner.ensureOpen();
    return real.getTimestamp(a0, a1);
  }

  @Override
  public Timestamp getTimestamp(String a0) throws SQLException {
    owner.ensureOpen();
    return real.getTimestamp(a0);
  }

  @Override
  public Timestamp getTimestamp(int a0, Calendar a1) throws SQLException {
    owner.ensureOpen();
    return real.getTimestamp(a0, a1);
  }

  @Override
  public Timestamp getTimestamp(int a0) throws SQLException {
    owner.ensureOpen();
    return real.getTimestamp(a0);
  }

  @Override
  public int getType() throws SQLException {
    owner.ensureOpen();
    return real.getType();
  }

  @Override
  public URL getURL(String a0) throws SQLException {
    owner.ensureOpen();
    return real.getURL(a0);
  }

  @Override
  public URL getURL(int a0) throws SQLException {
    owner.ensureOpen();
    return real.getURL(a0);
  }

  @Override
  public InputStream getUnicodeStream(String a0) throws SQLException {
    owner.ensureOpen();
    return real.getUnicodeStream(a0);
  }

  @Override
  public InputStream getUnicodeStream(int a0) throws SQLException {
    owner.ensureOpen();
    return real.getUnicodeStream(a0);
  }

  @Override
  public SQLWarning getWarnings() throws SQLException {
    owner.ensureOpen();
    return real.getWarnings();
  }

  @Override
  public void insertRow() throws SQLException {
    owner.ensureOpen();
    real.insertRow();
  }

  @Override
  public boolean isAfterLast() throws SQLException {
    owner.ensureOpen();
    return real.isAfterLast();
  }

  @Override
  public boolean isBeforeFirst() throws SQLException {
    owner.ensureOpen();
    return real.isBeforeFirst();
  }

  @Override
  public boolean isFirst() throws SQLException {
    owner.ensureOpen();
    return real.isFirst();
  }

  @Override
  public boolean isLast() throws SQLException {
    owner.ensureOpen();
    return real.isLast();
  }

  @Override
  public boolean last() throws SQLException {
    owner.ensureOpen();
    return real.last();
  }

  @Override
  public void moveToCurrentRow() throws SQLException {
    owner.ensureOpen();
    real.moveToCurrentRow();
  }

  @Override
  public void moveToInsertRow() throws SQLException {
    owner.ensureOpen();
    real.moveToInsertRow();
  }

  @Override
  public boolean next() throws SQLException {
    owner.ensureOpen();
    return real.next();
  }

  @Override
  public boolean previous() throws SQLException {
    owner.ensureOpen();
    return real.previous();
  }

  @Override
  public void refreshRow() throws SQLException {
    owner.ensureOpen();
    real.refreshRow();
  }

  @Override
  public boolean relative(int a0) throws SQLException {
    owner.ensureOpen();
    return real.relative(a0);
  }

  @Override
  public boolean rowDeleted() throws SQLException {
    owner.ensureOpen();
    return real.rowDeleted();
  }

  @Override
  public boolean rowInserted() throws SQLException {
    owner.ensureOpen();
    return real.rowInserted();
  }

  @Override
  public boolean rowUpdated() throws SQLException {
    owner.ensureOpen();
    return real.rowUpdated();
  }

  @Override
  public void setFetchDirection(int a0) throws SQLException {
    owner.ensureOpen();
    real.setFetchDirection(a0);
  }

  @Override
  public void setFetchSize(int a0) throws SQLException {
    owner.ensureOpen();
    real.setFetchSize(a0);
  }

  @Override
  public void updateArray(String a0, Array a1) throws SQLException {
    owner.ensureOpen();
    real.updateArray(a0, a1);
  }

  @Override
  public void updateArray(int a0, Array a1) throws SQLException {
    owner.ensureOpen();
    real.updateArray(a0, a1);
  }

  @Override
  public void updateAsciiStream(String a0, InputStream a1, int a2) throws SQLException {
    owner.ensureOpen();
    real.updateAsciiStream(a0, a1, a2);
  }

  @Override
  public void updateAsciiStream(String a0, InputStream a1, long a2) throws SQLException {
    owner.ensureOpen();
    real.updateAsciiStream(a0, a1, a2);
  }

  @Override
  public void updateAsciiStream(String a0, InputStream a1) throws SQLException {
    owner.ensureOpen();
    real.updateAsciiStream(a0, a1);
  }

  @Override
  public void updateAsciiStream(int a0, InputStream a1, int a2) throws SQLException {
    owner.ensureOpen();
    real.updateAsciiStream(a0, a1, a2);
  }

  @Override
  public void updateAsciiStream(int a0, InputStream a1, long a2) throws SQLException {
    owner.ensureOpen();
    real.updateAsciiStream(a0, a1, a2);
  }

  @Override
  public void updateAsciiStream(int a0, InputStream a1) throws SQLException {
    owner.ensureOpen();
    real.updateAsciiStream(a0, a1);
  }

  @Override
  public void updateBigDecimal(String a0, BigDecimal a1) throws SQLException {
    owner.ensureOpen();
    real.updateBigDecimal(a0, a1);
  }

  @Override
  public void updateBigDecimal(int a0, BigDecimal a1) throws SQLException {
    owner.ensureOpen();
    real.updateBigDecimal(a0, a1);
  }

  @Override
  public void updateBinaryStream(String a0, InputStream a1, int a2) throws SQLException {
    owner.ensureOpen();
    real.updateBinaryStream(a0, a1, a2);
  }

  @Override
  public void updateBinaryStream(String a0, InputStream a1, long a2) throws SQLException {
    owner.ensureOpen();
    real.updateBinaryStream(a0, a1, a2);
  }

  @Override
  public void updateBinaryStream(String a0, InputStream a1) throws SQLException {
    owner.ensureOpen();
    real.updateBinaryStream(a0, a1);
  }

  @Override
  public void updateBinaryStream(int a0, InputStream a1, int a2) throws SQLException {
    owner.ensureOpen();
    real.updateBinaryStream(a0, a1, a2);
  }

  @Override
  public void updateBinaryStream(int a0, InputStream a1, long a2) throws SQLException {
    owner.ensureOpen();
    real.updateBinaryStream(a0, a1, a2);
  }

  @Override
  public void updateBinaryStream(int a0, InputStream a1) throws SQLException {
    owner.ensureOpen();
    real.updateBinaryStream(a0, a1);
  }

  @Override
  public void updateBlob(String a0, InputStream a1, long a2) throws SQLException {
    owner.ensureOpen();
    real.updateBlob(a0, a1, a2);
  }

  @Override
  public void updateBlob(String a0, InputStream a1) throws SQLException {
    owner.ensureOpen();
    real.updateBlob(a0, a1);
  }

  @Override
  public void updateBlob(String a0, Blob a1) throws SQLException {
    owner.ensureOpen();
    real.updateBlob(a0, a1);
  }

  @Override
  public void updateBlob(int a0, InputStream a1, long a2) throws SQLException {
    owner.ensureOpen();
    real.updateBlob(a0, a1, a2);
  }

  @Override
  public void updateBlob(int a0, InputStream a1) throws SQLException {
    owner.ensureOpen();
    real.updateBlob(a0, a1);
  }

  @Override
  public void updateBlob(int a0, Blob a1) throws SQLException {
    owner.ensureOpen();
    real.updateBlob(a0, a1);
  }

  @Override
  public void updateBoolean(String a0, boolean a1) throws SQLException {
    owner.ensureOpen();
    real.updateBoolean(a0, a1);
  }

  @Override
  public void updateBoolean(int a0, boolean a1) throws SQLException {
    owner.ensureOpen();
    real.updateBoolean(a0, a1);
  }

  @Override
  public void updateByte(String a0, byte a1) throws SQLException {
    owner.ensureOpen();
    real.updateByte(a0, a1);
  }

  @Override
  public void updateByte(int a0, byte a1) throws SQLException {
    owner.ensureOpen();
    real.updateByte(a0, a1);
  }

  @Override
  public void updateBytes(String a0, byte[] a1) throws SQLException {
    owner.ensureOpen();
    real.updateBytes(a0, a1);
  }

  @Override
  public void updateBytes(int a0, byte[] a1) throws SQLException {
    owner.ensureOpen();
    real.updateBytes(a0, a1);
  }

  @Override
  public void updateCharacterStream(String a0, Reader a1, int a2) throws SQLException {
    owner.ensureOpen();
    real.updateCharacterStream(a0, a1, a2);
  }

  @Override
  public void updateCharacterStream(String a0, Reader a1, long a2) throws SQLException {
    owner.ensureOpen();
    real.updateCharacterStream(a0, a1, a2);
  }

  @Override
  public void updateCharacterStream(String a0, Reader a1) throws SQLException {
    owner.ensureOpen();
    real.updateCharacterStream(a0, a1);
  }

  @Override
  public void updateCharacterStream(int a0, Reader a1, int a2) throws SQLException {
    owner.ensureOpen();
    real.updateCharacterStream(a0, a1, a2);
  }

  @Override
  public void updateCharacterStream(int a0, Reader a1, long a2) throws SQLException {
    owner.ensureOpen();
    real.updateCharacterStream(a0, a1, a2);
  }

  @Override
  public void updateCharacterStream(int a0, Reader a1) throws SQLException {
    owner.ensureOpen();
    real.updateCharacterStream(a0, a1);
  }

  @Override
  public void updateClob(String a0, Reader a1, long a2) throws SQLException {
    owner.ensureOpen();
    real.updateClob(a0, a1, a2);
  }

  @Override
  public void updateClob(String a0, Reader a1) throws SQLException {
    owner.ensureOpen();
    real.updateClob(a0, a1);
  }

  @Override
  public void updateClob(String a0, Clob a1) throws SQLException {
    owner.ensureOpen();
    real.updateClob(a0, a1);
  }

  @Override
  public void updateClob(int a0, Reader a1, long a2) throws SQLException {
    owner.ensureOpen();
    real.updateClob(a0, a1, a2);
  }

  @Override
  public void updateClob(int a0, Reader a1) throws SQLException {
    owner.ensureOpen();
    real.updateClob(a0, a1);
  }

  @Override
  public void updateClob(int a0, Clob a1) throws SQLException {
    owner.ensureOpen();
    real.updateClob(a0, a1);
  }

  @Override
  public void updateDate(String a0, Date a1) throws SQLException {
    owner.ensureOpen();
    real.updateDate(a0, a1);
  }

  @Override
  public void updateDate(int a0, Date a1) throws SQLException {
    owner.ensureOpen();
    real.updateDate(a0, a1);
  }

  @Override
  public void updateDouble(String a0, double a1) throws SQLException {
    owner.ensureOpen();
    real.updateDouble(a0, a1);
  }

  @Override
  public void updateDouble(int a0, double a1) throws SQLException {
    owner.ensureOpen();
    real.updateDouble(a0, a1);
  }

  @Override
  public void updateFloat(String a0, float a1) throws SQLException {
    owner.ensureOpen();
    real.updateFloat(a0, a1);
  }

  @Override
  public void updateFloat(int a0, float a1) throws SQLException {
    owner.ensureOpen();
    real.updateFloat(a0, a1);
  }

  @Override
  public void updateInt(String a0, int a1) throws SQLException {
    owner.ensureOpen();
    real.updateInt(a0, a1);
  }

  @Override
  public void updateInt(int a0, int a1) throws SQLException {
    owner.ensureOpen();
    real.updateInt(a0, a1);
  }

  @Override
  public void updateLong(String a0, long a1) throws SQLException {
    owner.ensureOpen();
    real.updateLong(a0, a1);
  }

  @Override
  public void updateLong(int a0, long a1) throws SQLException {
    owner.ensureOpen();
    real.updateLong(a0, a1);
  }

  @Override
  public void updateNCharacterStream(String a0, Reader a1, long a2) throws SQLException {
    owner.ensureOpen();
    real.updateNCharacterStream(a0, a1, a2);
  }

  @Override
  public void updateNCharacterStream(String a0, Reader a1) throws SQLException {
    owner.ensureOpen();
    real.updateNCharacterStream(a0, a1);
  }

  @Override
  public void updateNCharacterStream(int a0, Reader a1, long a2) throws SQLException {
    owner.ensureOpen();
    real.updateNCharacterStream(a0, a1, a2);
  }

  @Override
  public void updateNCharacterStream(int a0, Reader a1) throws SQLException {
    owner.ensureOpen();
    real.updateNCharacterStream(a0, a1);
  }

  @Override
  public void updateNClob(String a0, Reader a1, long a2) throws SQLException {
    owner.ensureOpen();
    real.updateNClob(a0, a1, a2);
  }

  @Override
  public void updateNClob(String a0, Reader a1) throws SQLException {
    owner.ensureOpen();
    real.updateNClob(a0, a1);
  }

  @Override
  public void updateNClob(String a0, NClob a1) throws SQLException {
    owner.ensureOpen();
    real.updateNClob(a0, a1);
  }

  @Override
  public void updateNClob(int a0, Reader a1, long a2) throws SQLException {
    owner.ensureOpen();
    real.updateNClob(a0, a1, a2);
  }

  @Override
  public void updateNClob(int a0, Reader a1) throws SQLException {
    owner.ensureOpen();
    real.updateNClob(a0, a1);
  }

  @Override
  public void updateNClob(int a0, NClob a1) throws SQLException {
    owner.ensureOpen();
    real.updateNClob(a0, a1);
  }

  @Override
  public void updateNString(String a0, String a1) throws SQLException {
    owner.ensureOpen();
    real.updateNString(a0, a1);
  }

  @Override
  public void updateNString(int a0, String a1) throws SQLException {
    owner.ensureOpen();
    real.updateNString(a0, a1);
  }

  @Override
  public void updateNull(String a0) throws SQLException {
    owner.ensureOpen();
    real.updateNull(a0);
  }

  @Override
  public void updateNull(int a0) throws SQLException {
    owner.ensureOpen();
    real.updateNull(a0);
  }

  @Override
  public void updateObject(String a0, Object a1, int a2) throws SQLException {
    owner.ensureOpen();
    real.updateObject(a0, a1, a2);
  }

  @Override
  public void updateObject(String a0, Object a1, SQLType a2, int a3) throws SQLException {
    owner.ensureOpen();
    real.updateObject(a0, a1, a2, a3);
  }

  @Override
  public void updateObject(String a0, Object a1, SQLType a2) throws SQLException {
    owner.ensureOpen();
    real.updateObject(a0, a1, a2);
  }

  @Override
  public void updateObject(String a0, Object a1) throws SQLException {
    owner.ensureOpen();
    real.updateObject(a0, a1);
  }

  @Override
  public void updateObject(int a0, Object a1, int a2) throws SQLException {
    owner.ensureOpen();
    real.updateObject(a0, a1, a2);
  }

  @Override
  public void updateObject(int a0, Object a1, SQLType a2, int a3) throws SQLException {
    owner.ensureOpen();
    real.updateObject(a0, a1, a2, a3);
  }

  @Override
  public void updateObject(int a0, Object a1, SQLType a2) throws SQLException {
    owner.ensureOpen();
    real.updateObject(a0, a1, a2);
  }

  @Override
  public void updateObject(int a0, Object a1) throws SQLException {
    owner.ensureOpen();
    real.updateObject(a0, a1);
  }

  @Override
  public void updateRef(String a0, Ref a1) throws SQLException {
    owner.ensureOpen();
    real.updateRef(a0, a1);
  }

  @Override
  public void updateRef(int a0, Ref a1) throws SQLException {
    owner.ensureOpen();
    real.updateRef(a0, a1);
  }

  @Override
  public void updateRow() throws SQLException {
    owner.ensureOpen();
    real.updateRow();
  }

  @Override
  public void updateRowId(String a0, RowId a1) throws SQLException {
    owner.ensureOpen();
    real.updateRowId(a0, a1);
  }

  @Override
  public void updateRowId(int a0, RowId a1) throws SQLException {
    owner.ensureOpen();
    real.updateRowId(a0, a1);
  }

  @Override
  public void updateSQLXML(String a0, SQLXML a1) throws SQLException {
    owner.ensureOpen();
    real.updateSQLXML(a0, a1);
  }

  @Override
  public void updateSQLXML(int a0, SQLXML a1) throws SQLException {
    owner.ensureOpen();
    real.updateSQLXML(a0, a1);
  }

  @Override
  public void updateShort(String a0, short a1) throws SQLException {
    owner.ensureOpen();
    real.updateShort(a0, a1);
  }

  @Override
  public void updateShort(int a0, short a1) throws SQLException {
    owner.ensureOpen();
    real.updateShort(a0, a1);
  }

  @Override
  public void updateString(String a0, String a1) throws SQLException {
    owner.ensureOpen();
    real.updateString(a0, a1);
  }

  @Override
  public void updateString(int a0, String a1) throws SQLException {
    owner.ensureOpen();
    real.updateString(a0, a1);
  }

  @Override
  public void updateTime(String a0, Time a1) throws SQLException {
    owner.ensureOpen();
    real.updateTime(a0, a1);
  }

  @Override
  public void updateTime(int a0, Time a1) throws SQLException {
    owner.ensureOpen();
    real.updateTime(a0, a1);
  }

  @Override
  public void updateTimestamp(String a0, Timestamp a1) throws SQLException {
    owner.ensureOpen();
    real.updateTimestamp(a0, a1);
  }

  @Override
  public void updateTimestamp(int a0, Timestamp a1) throws SQLException {
    owner.ensureOpen();
    real.updateTimestamp(a0, a1);
  }

  @Override
  public boolean wasNull() throws SQLException {
    owner.ensureOpen();
    return real.wasNull();
  }
}
