package org.altdiffusion.schedulers;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.altdiffusion.engine.Tensors;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * torchsde 0.2.6's {@code BrownianTree(t0, w0, t1, entropy=seed)} (a {@code BrownianInterval} with
 * {@code halfway_tree=True}, {@code tol=1e-6}, {@code pool_size=24}, no Lévy area), value for
 * value: a Brownian motion on [t0, t1] fixed by its seed alone, whatever the order of the queries.
 *
 * <p>The interval is a binary tree split at halves (rounded to 6 decimals, as {@code tol} rounds
 * every time). Each node that splits derives its seeds with numpy's {@link SeedSequence} from
 * {@code (entropy, spawn_key=(key, depth))} (the root's key 0 at depth 0, a child's {@code 2 key +
 * (0 left, 1 right)}); the increment over a child is the Brownian bridge from the parent's
 * increment, with noise drawn by a torch CPU generator seeded with the parent's first word. A query
 * sums the increments of the canonical dyadic pieces of [ta, tb], left to right, in float32 as
 * torch does. torchsde caches node increments (LRU, 45); a recomputation gives the same floats, so
 * this class recomputes each query's path from the root instead of keeping native memory between
 * queries.
 */
final class BrownianTree {
  static final int POOL_SIZE = 24;
  private static final int DECIMALS = 6; // -int(log10(tol)) with tol = 1e-6
  private static final int MAX_DEPTH = 200; // a guard; real queries end within ~40 levels

  private final long[] shape;
  private final BigInteger entropy;
  private final double t0;
  private final double t1;
  private final long rootWSeed;
  private final Node root;

  /**
   * @param t0 the start of the interval (torchsde keeps it rounded to 6 decimals)
   * @param t1 the end, at least t0
   * @param shape the shape of each increment (float32)
   * @param entropy the seed, non-negative
   */
  BrownianTree(double t0, double t1, long[] shape, long entropy) {
    if (!(t0 <= t1))
      throw new IllegalArgumentException(
          "Brownian tree needs t0 <= t1, got t0=" + t0 + ", t1=" + t1);
    if (entropy < 0)
      throw new IllegalArgumentException(
          "a Brownian tree's seed must be non-negative (numpy's SeedSequence), got " + entropy);
    this.shape = shape.clone();
    this.entropy = BigInteger.valueOf(entropy);
    this.t0 = t0;
    this.t1 = t1;
    this.rootWSeed = new SeedSequence(this.entropy, List.of(), POOL_SIZE).generateState(3)[0];
    this.root = new Node(round(t0), round(t1), null, false);
    root.spawnKey = BigInteger.ZERO;
    root.depth = 0;
  }

  /**
   * The increment W(tb) - W(ta), float32 of the tree's shape; torchsde's {@code tree(ta, tb)}:
   * queries outside [t0, t1] are clamped to it (torchsde warns), ta must not exceed tb.
   */
  Tensor increment(double ta, double tb) {
    ta = Math.min(Math.max(ta, root.start), root.end);
    tb = Math.min(Math.max(tb, root.start), root.end);
    if (ta > tb)
      throw new IllegalArgumentException(
          "Brownian tree query needs ta <= tb, got ta=" + ta + ", tb=" + tb);
    double a = round(ta);
    double b = round(tb);
    // Equal after rounding: torchsde only returns zeros for unrounded equal times; this class
    // returns zeros for both (torchsde's search would not end on such a query).
    if (ta == tb || a == b) return torch.zeros(shape, Tensors.floatOptions());
    List<Node> pieces = new ArrayList<>();
    locate(root, a, b, pieces, 0);
    Map<Node, Tensor> memo = new HashMap<>();
    Tensor w = increment(pieces.get(0), memo);
    for (int i = 1; i < pieces.size(); i++) w = w.add(increment(pieces.get(i), memo));
    return w;
  }

  /** The dyadic pieces of [ta, tb] under {@code node}, left to right, splitting where needed. */
  private void locate(Node node, double ta, double tb, List<Node> out, int level) {
    if (level > MAX_DEPTH)
      throw new IllegalStateException(
          "Brownian tree search did not end for [" + ta + ", " + tb + "]");
    if (ta == node.start && tb == node.end) {
      out.add(node);
      return;
    }
    if (node.left == null) split(node);
    if (tb <= node.midway) {
      locate(node.left, ta, tb, out, level + 1);
    } else if (ta >= node.midway) {
      locate(node.right, ta, tb, out, level + 1);
    } else {
      locate(node.left, ta, node.midway, out, level + 1);
      locate(node.right, node.midway, tb, out, level + 1);
    }
  }

  /** torchsde's {@code _split_exact} at the rounded half: the node's seeds and two children. */
  private void split(Node node) {
    node.midway = round(0.5 * (node.end + node.start));
    if (node.parent != null) {
      node.spawnKey =
          node.parent.spawnKey.shiftLeft(1).add(BigInteger.valueOf(node.isLeft ? 0 : 1));
      node.depth = node.parent.depth + 1;
    }
    SeedSequence seeds =
        new SeedSequence(
            entropy, List.of(node.spawnKey, BigInteger.valueOf(node.depth)), POOL_SIZE);
    node.wSeed = seeds.generateState(4)[0]; // W, H, left A, right A: only W is used without H
    node.left = new Node(node.start, node.midway, node, true);
    node.right = new Node(node.midway, node.end, node, false);
  }

  /** The node's increment: the root's drawn, a child's bridged from its parent's. */
  private Tensor increment(Node node, Map<Node, Tensor> memo) {
    Tensor known = memo.get(node);
    if (known != null) return known;
    Tensor w;
    if (node.parent == null) {
      w = randn(rootWSeed).mul(Tensors.scalar(Math.sqrt(t1 - t0)));
    } else {
      Node p = node.parent;
      Tensor parentW = increment(p, memo);
      double reciprocal = 1 / (p.end - p.start);
      double leftDiff = p.midway - p.start;
      double rightDiff = p.end - p.midway;
      double variance = leftDiff * rightDiff * reciprocal;
      Tensor mean = parentW.mul(Tensors.scalar(leftDiff)).mul(Tensors.scalar(reciprocal));
      Tensor leftW = mean.add(randn(p.wSeed).mul(Tensors.scalar(Math.sqrt(variance))));
      w = node.isLeft ? leftW : parentW.sub(leftW);
    }
    memo.put(node, w);
    return w;
  }

  /** {@code torch.randn(shape, generator=torch.Generator().manual_seed(seed))}, float32. */
  private Tensor randn(long seed) {
    return Tensors.randn(Tensors.generator(seed), shape);
  }

  /** Python's {@code round(x, 6)}: the nearest 6-decimal number, ties to even, as a double. */
  static double round(double x) {
    if (!Double.isFinite(x)) return x;
    return Double.parseDouble(
        new BigDecimal(x).setScale(DECIMALS, RoundingMode.HALF_EVEN).toString());
  }

  /** One interval of the tree; the seeds and children exist once it has split. */
  private static final class Node {
    final double start;
    final double end;
    final Node parent;
    final boolean isLeft;
    double midway;
    BigInteger spawnKey;
    int depth;
    long wSeed;
    Node left;
    Node right;

    Node(double start, double end, Node parent, boolean isLeft) {
      this.start = round(start);
      this.end = round(end);
      this.parent = parent;
      this.isLeft = isLeft;
    }
  }
}
