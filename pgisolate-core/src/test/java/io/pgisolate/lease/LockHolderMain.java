package io.pgisolate.lease;

import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** A process holding the lock on the file args[0]: prints "locked", holds it until stdin ends. */
public final class LockHolderMain {
  private LockHolderMain() {}

  public static void main(String[] args) throws Exception {
    try (FileChannel file =
        FileChannel.open(Path.of(args[0]), StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
      file.lock();
      System.out.println("locked");
      System.out.flush();
      while (System.in.read() >= 0) {
        // hold it until the parent closes our stdin (or kills us)
      }
    }
  }
}
