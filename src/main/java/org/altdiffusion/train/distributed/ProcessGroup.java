package org.altdiffusion.train.distributed;

import java.util.ArrayList;
import java.util.List;
import org.altdiffusion.engine.ComputeDevice;
import org.altdiffusion.engine.Scopes;
import org.altdiffusion.engine.Tensors;
import org.altdiffusion.engine.TorchErrors;
import org.bytedeco.javacpp.SizeTPointer;
import org.bytedeco.javacpp.chrono.Milliseconds;
import org.bytedeco.pytorch.AllreduceOptions;
import org.bytedeco.pytorch.Backend;
import org.bytedeco.pytorch.GlooDeviceVector;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.ProcessGroupGloo;
import org.bytedeco.pytorch.ReduceOp;
import org.bytedeco.pytorch.Store;
import org.bytedeco.pytorch.TCPStore;
import org.bytedeco.pytorch.TCPStoreOptions;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * Data parallelism over libtorch's own torch.distributed: a {@code TCPStore} (served by rank 0 at
 * master address:port) for the rendezvous and a process group for the collectives, as {@code
 * torch.distributed.init_process_group} sets them up with its default backend for the device:
 * {@code ProcessGroupNCCL} for a model on CUDA, {@code ProcessGroupGloo} on the CPU. Gradients
 * travel as one flat buffer per step (one all-reduce), on the model's device.
 */
public final class ProcessGroup implements Distributed {
  private final int rank;
  private final int worldSize;
  private final Store store;
  private final Backend group;
  private final ComputeDevice device;

  private ProcessGroup(int rank, int worldSize, Store store, Backend group, ComputeDevice device) {
    this.rank = rank;
    this.worldSize = worldSize;
    this.store = store;
    this.group = group;
    this.device = device;
  }

  /**
   * Joins a Gloo group on the CPU (see {@link #connect(String, int, int, int, long,
   * ComputeDevice)}).
   */
  public static ProcessGroup connect(
      String masterAddr, int masterPort, int rank, int worldSize, long timeoutMs) {
    return connect(masterAddr, masterPort, rank, worldSize, timeoutMs, ComputeDevice.CPU);
  }

  /**
   * Joins (rank 0: opens) the group whose tensors live on {@code device}: NCCL for CUDA, Gloo
   * otherwise. Blocks until all {@code worldSize} processes have joined or {@code timeoutMs}
   * passed.
   */
  public static ProcessGroup connect(
      String masterAddr,
      int masterPort,
      int rank,
      int worldSize,
      long timeoutMs,
      ComputeDevice device) {
    if (worldSize < 1)
      throw new IllegalArgumentException("world size must be >= 1, got " + worldSize);
    if (rank < 0 || rank >= worldSize)
      throw new IllegalArgumentException("rank must be in [0, " + worldSize + "), got " + rank);
    if (masterPort < 1 || masterPort > 65535)
      throw new IllegalArgumentException("master port must be 1..65535, got " + masterPort);
    return TorchErrors.guard(
        "rendezvous at "
            + masterAddr
            + ":"
            + masterPort
            + " (rank "
            + rank
            + " of "
            + worldSize
            + ")",
        () -> {
          TCPStoreOptions options = new TCPStoreOptions();
          options.port((short) masterPort);
          options.isServer(rank == 0);
          options.numWorkers(new SizeTPointer(1).put(worldSize));
          options.waitWorkers(true);
          options.timeout(new Milliseconds(timeoutMs));
          Store store = new TCPStore(masterAddr, options);
          Backend group =
              device.isCuda()
                  ? nccl(store, rank, worldSize, timeoutMs)
                  : gloo(store, rank, worldSize, timeoutMs, masterAddr);
          return new ProcessGroup(rank, worldSize, store, group, device);
        });
  }

  private static Backend gloo(
      Store store, int rank, int worldSize, long timeoutMs, String masterAddr) {
    ProcessGroupGloo.Options pgOptions = new ProcessGroupGloo.Options(new Milliseconds(timeoutMs));
    pgOptions.devices(new GlooDeviceVector(ProcessGroupGloo.createDeviceForHostname(masterAddr)));
    return new ProcessGroupGloo(store, rank, worldSize, pgOptions);
  }

  /** NCCL (only in the CUDA natives: the class loads them, so it is touched only for CUDA). */
  private static Backend nccl(Store store, int rank, int worldSize, long timeoutMs) {
    org.bytedeco.pytorch.nccl.ProcessGroupNCCL.Options pgOptions =
        new org.bytedeco.pytorch.nccl.ProcessGroupNCCL.Options();
    pgOptions.timeout(new Milliseconds(timeoutMs));
    return new org.bytedeco.pytorch.nccl.ProcessGroupNCCL(store, rank, worldSize, pgOptions);
  }

  /** The device the collectives' tensors live on. */
  public ComputeDevice device() {
    return device;
  }

  @Override
  public int rank() {
    return rank;
  }

  @Override
  public int worldSize() {
    return worldSize;
  }

  @Override
  public void allReduceMean(List<Tensor> tensors) {
    if (tensors.isEmpty()) return;
    Scopes.run(
        () -> {
          try (NoGradGuard g = new NoGradGuard()) {
            Tensor buffer = flatten(tensors); // [total]
            sum(buffer);
            buffer.div_(Tensors.scalar(worldSize));
            unflatten(buffer, tensors);
          }
        });
  }

  @Override
  public double allReduceSum(double value) {
    double[] out = new double[1];
    Scopes.run(
        () -> {
          Tensor t =
              torch
                  .scalar_tensor(Tensors.scalar(value), device.options(torch.ScalarType.Double))
                  .reshape(1);
          sum(t);
          out[0] = t.item_double();
        });
    return out[0];
  }

  @Override
  public long[][] allGather(long[] values) {
    long[][] out = new long[worldSize][];
    Scopes.run(
        () -> {
          Tensor mine = device.place(Tensors.fromLongs(values, values.length));
          // _allgather_base needs one output of world x n: gather into it and split.
          Tensor gathered =
              torch.zeros(
                  new long[] {(long) worldSize * values.length},
                  device.options(torch.ScalarType.Long));
          TorchErrors.guard("all-gather", () -> group._allgather_base(gathered, mine)._wait());
          long[] flat = Tensors.toLongs(gathered);
          for (int r = 0; r < worldSize; r++)
            out[r] = java.util.Arrays.copyOfRange(flat, r * values.length, (r + 1) * values.length);
        });
    return out;
  }

  @Override
  public void broadcastFromMain(List<Tensor> tensors) {
    if (tensors.isEmpty()) return;
    try (NoGradGuard g = new NoGradGuard()) {
      Scopes.run(
          () -> {
            Tensor buffer = flatten(tensors); // [total]
            TorchErrors.guard("broadcast", () -> group.broadcast(new TensorVector(buffer))._wait());
            unflatten(buffer, tensors);
          });
    }
  }

  @Override
  public void barrier() {
    Scopes.run(() -> TorchErrors.guard("barrier", () -> group.barrier()._wait()));
  }

  /** One contiguous buffer holding every tensor, in order: one collective instead of many. */
  private static Tensor flatten(List<Tensor> tensors) {
    List<Tensor> flat = new ArrayList<>();
    for (Tensor t : tensors) flat.add(t.detach().reshape(-1)); // [numel]
    return torch.cat(new TensorVector(flat.toArray(new Tensor[0])), 0); // [total]
  }

  private static void unflatten(Tensor buffer, List<Tensor> tensors) {
    long offset = 0;
    for (Tensor t : tensors) {
      long n = t.numel();
      t.detach().copy_(buffer.narrow(0, offset, n).view(Tensors.shape(t)));
      offset += n;
    }
  }

  private void sum(Tensor buffer) {
    AllreduceOptions options = new AllreduceOptions();
    options.reduceOp(new ReduceOp(ReduceOp.RedOpType.SUM));
    TorchErrors.guard(
        "all-reduce", () -> group.allreduce(new TensorVector(buffer), options)._wait());
  }

  @Override
  public void close() {
    group.close();
    store.close();
  }
}
