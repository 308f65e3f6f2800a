package org.altdiffusion.train;

import org.altdiffusion.engine.Torch;

/**
 * The training tests run libtorch on one thread (the system property every {@code Torch.init()}
 * reads, so the commands they start in this JVM use it too; child JVMs get the environment
 * variable): training steps of tiny models gain nothing from a second thread, and OpenMP's waiting
 * threads slow them down several times over on a busy shared machine. {@link #restore()} puts the
 * default back for the test classes that follow in the same JVM.
 */
public final class OneThread {
  private OneThread() {}

  public static void use() {
    System.setProperty("altdiffusion.torchThreads", "1");
    Torch.init();
  }

  public static void restore() {
    System.clearProperty("altdiffusion.torchThreads");
    Torch.init();
  }
}
