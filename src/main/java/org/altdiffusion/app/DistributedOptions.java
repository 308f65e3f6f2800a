package org.altdiffusion.app;

import java.io.IOException;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import org.altdiffusion.engine.ComputeDevice;
import org.altdiffusion.train.distributed.Distributed;
import org.altdiffusion.train.distributed.ProcessGroup;
import picocli.CommandLine.Option;

/**
 * Data-parallel options: join a group ({@code --world-size N --rank R --master-addr A --master-port
 * P}, one command per process, like torchrun's environment) or let this command start the N
 * processes itself ({@code --launch N}).
 */
final class DistributedOptions {
  @Option(
      names = "--world-size",
      defaultValue = "1",
      description = "Number of training processes. Default ${DEFAULT-VALUE}.")
  int worldSize;

  @Option(
      names = "--rank",
      defaultValue = "0",
      description =
          "This process's rank, 0..world-size-1 (rank 0 writes checkpoints and logs). Default"
              + " ${DEFAULT-VALUE}.")
  int rank;

  @Option(
      names = "--master-addr",
      defaultValue = "127.0.0.1",
      description = "Address of rank 0 (rendezvous store and Gloo). Default ${DEFAULT-VALUE}.")
  String masterAddr;

  @Option(
      names = "--master-port",
      defaultValue = "29500",
      description = "Port of rank 0's rendezvous store. Default ${DEFAULT-VALUE}.")
  int masterPort;

  @Option(
      names = "--dist-timeout",
      defaultValue = "300",
      description = "Seconds to wait for the other processes. Default ${DEFAULT-VALUE}.")
  long timeoutSeconds;

  @Option(
      names = "--launch",
      defaultValue = "0",
      paramLabel = "N",
      description =
          "Start N local processes (one JVM each) running this same command, and wait for them.")
  int launch;

  /**
   * Joins the group after checking what can be checked alone (so that no process waits for a doomed
   * run): NCCL when the model is on CUDA, Gloo on the CPU.
   */
  Distributed connect(int batchSize, ComputeDevice device) {
    if (worldSize < 1)
      throw new IllegalArgumentException("--world-size must be >= 1, got " + worldSize);
    if (rank < 0 || rank >= worldSize)
      throw new IllegalArgumentException(
          "--rank must be in 0.." + (worldSize - 1) + ", got " + rank);
    if (batchSize % worldSize != 0) {
      throw new IllegalArgumentException(
          "--batch-size "
              + batchSize
              + " must be a multiple of the world size "
              + worldSize
              + " (each process takes an equal share)");
    }
    if (worldSize == 1) return Distributed.single();
    return ProcessGroup.connect(
        masterAddr, masterPort, rank, worldSize, timeoutSeconds * 1000, device);
  }

  /**
   * This process's device: {@code device} as asked, except that {@code cuda} or {@code auto}
   * without an index gives each rank its own GPU ({@code cuda:rank % GPUs}, as torchrun's local
   * rank).
   */
  ComputeDevice deviceOf(DeviceOption device) {
    ComputeDevice d = device.resolve();
    if (!d.isCuda() || worldSize <= 1 || device.device.contains(":")) return d;
    int gpus = org.bytedeco.pytorch.global.torch.cuda_device_count();
    return new ComputeDevice("cuda", rank % gpus).check();
  }

  /**
   * With {@code --launch N}: reruns the command line of {@code spec} (without --launch) in N child
   * JVMs and returns their exit code; otherwise null, and the caller trains in this process.
   */
  Integer launchIfAsked(picocli.CommandLine.Model.CommandSpec spec)
      throws IOException, InterruptedException {
    if (launch <= 0) return null;
    return launch(
        withoutLaunch(
            spec.root().commandLine().getParseResult().originalArgs().toArray(new String[0])));
  }

  /**
   * Runs {@code args} (this command line without --launch) in N child JVMs with ranks 0..N-1 on a
   * free local port; their output is passed through. Returns the first non-zero exit code, and
   * stops the other processes when one fails.
   */
  int launch(List<String> args) throws IOException, InterruptedException {
    if (launch < 1) throw new IllegalArgumentException("--launch must be >= 1, got " + launch);
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    String java = ProcessHandle.current().info().command().orElse("java");
    int threads = Math.max(1, Runtime.getRuntime().availableProcessors() / launch);
    List<Process> children = new ArrayList<>();
    for (int r = 0; r < launch; r++) {
      List<String> command = new ArrayList<>(List.of(java, "-Xss8m"));
      for (String property : List.of("altdiffusion.torchThreads", "altdiffusion.blasThreads")) {
        if (System.getProperty(property) != null)
          command.add("-D" + property + "=" + System.getProperty(property));
      }
      command.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName()));
      command.addAll(args);
      command.addAll(
          List.of(
              "--world-size",
              Integer.toString(launch),
              "--rank",
              Integer.toString(r),
              "--master-addr",
              "127.0.0.1",
              "--master-port",
              Integer.toString(port)));
      if (r > 0 && !args.contains("--no-progress")) command.add("--no-progress");
      ProcessBuilder pb = new ProcessBuilder(command).inheritIO();
      if (System.getenv("ALTDIFFUSION_TORCH_THREADS") == null
          && System.getProperty("altdiffusion.torchThreads") == null)
        pb.environment().put("ALTDIFFUSION_TORCH_THREADS", Integer.toString(threads));
      children.add(pb.start());
    }
    int result = 0;
    for (int done = 0; done < children.size(); ) {
      done = 0;
      for (Process p : children) {
        if (p.isAlive()) continue;
        done++;
        if (p.exitValue() != 0 && result == 0) {
          result = p.exitValue();
          for (Process q : children)
            q.destroy(); // the others would wait for the failed one until the timeout
        }
      }
      if (done < children.size()) Thread.sleep(100);
    }
    return result;
  }

  /** The command line without the --launch option and its value. */
  static List<String> withoutLaunch(String[] args) {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--launch")) {
        i++;
        continue;
      }
      if (args[i].startsWith("--launch=")) continue;
      out.add(args[i]);
    }
    return out;
  }
}
