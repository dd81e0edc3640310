package io.pgisolate.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import io.netty.util.ResourceLeakDetectorFactory;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Fails a test class that leaked a ByteBuf. Netty's detector only logs a leak; this one records it
 * so the test run fails. Registered for every test through the ServiceLoader (see
 * junit-platform.properties), so it installs its factory before any buffer class is loaded; the
 * surefire configuration sets the level to paranoid, which tracks every buffer.
 */
public final class LeakDetection implements AfterAllCallback {
  private static final List<String> LEAKS = new CopyOnWriteArrayList<>();

  static {
    ResourceLeakDetectorFactory.setResourceLeakDetectorFactory(new RecordingFactory());
  }

  @Override
  public void afterAll(ExtensionContext context) throws InterruptedException {
    // Leaks surface when a collected buffer's reference is polled, which Netty does while it
    // tracks new buffers: collect, then allocate a few.
    for (int i = 0; i < 5; i++) {
      System.gc();
      Thread.sleep(20);
      for (int j = 0; j < 50; j++) {
        ByteBuf probe = PooledByteBufAllocator.DEFAULT.buffer(8);
        probe.release();
      }
    }
    List<String> leaks = List.copyOf(LEAKS);
    LEAKS.clear();
    assertThat(leaks).as("ByteBuf leaks in " + context.getDisplayName()).isEmpty();
  }

  private static final class RecordingFactory extends ResourceLeakDetectorFactory {
    @Override
    public <T> ResourceLeakDetector<T> newResourceLeakDetector(
        Class<T> resource, int samplingInterval, long maxActive) {
      return new ResourceLeakDetector<T>(resource, samplingInterval) {
        @Override
        protected void reportTracedLeak(String resourceType, String records) {
          LEAKS.add(resourceType + records);
          super.reportTracedLeak(resourceType, records);
        }

        @Override
        protected void reportUntracedLeak(String resourceType) {
          LEAKS.add(resourceType);
          super.reportUntracedLeak(resourceType);
        }
      };
    }
  }
}
