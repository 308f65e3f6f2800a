package org.altdiffusion.io;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.bytedeco.pytorch.Tensor;

/**
 * A checkpoint split into shards, described by an index file ({@code *.safetensors.index.json} or
 * {@code *.bin.index.json}): {@code {"metadata": {...}, "weight_map": {tensor: shard file}}}, the
 * format transformers and diffusers write. Opening checks that every shard is a plain file in the
 * index's folder (no absolute paths, no {@code ..}), exists and opens, that every tensor of the
 * weight map is in the shard named for it, and that no shard holds a tensor the map leaves out.
 * Shards are opened with {@link Checkpoints#open}, so safetensors and PyTorch shards both work.
 */
public final class ShardedCheckpoint implements TensorSource {
  private final Path index;
  private final JsonNode metadata;
  private final Map<String, TensorSource> shardOf;
  private final List<TensorSource> shards;

  private ShardedCheckpoint(
      Path index, JsonNode metadata, Map<String, TensorSource> shardOf, List<TensorSource> shards) {
    this.index = index;
    this.metadata = metadata;
    this.shardOf = shardOf;
    this.shards = shards;
  }

  /** Reads {@code indexFile} and opens every shard it names. */
  public static ShardedCheckpoint open(Path indexFile) {
    JsonConfig json = JsonConfig.read(indexFile);
    JsonNode metadata = json.node("metadata");
    if (metadata != null && !metadata.isNull() && !metadata.isObject()) {
      throw json.error(
          "metadata",
          "must be an object, got "
              + metadata.getNodeType().toString().toLowerCase(java.util.Locale.ROOT));
    }
    Map<String, String> weightMap = weightMap(json);
    Path folder = indexFile.toAbsolutePath().getParent();
    // shard file -> its tensors, shards in name order (as the reference loads them)
    Map<String, List<String>> byShard = new TreeMap<>();
    weightMap.forEach(
        (tensor, shard) -> byShard.computeIfAbsent(shard, s -> new ArrayList<>()).add(tensor));
    Map<String, TensorSource> opened = new LinkedHashMap<>();
    try {
      for (var e : byShard.entrySet())
        opened.put(e.getKey(), openShard(indexFile, folder, e.getKey(), e.getValue()));
      checkContents(indexFile, weightMap, opened);
      Map<String, TensorSource> shardOf = new LinkedHashMap<>();
      weightMap.forEach((tensor, shard) -> shardOf.put(tensor, opened.get(shard)));
      return new ShardedCheckpoint(
          indexFile,
          metadata == null || metadata.isNull() ? null : metadata,
          Collections.unmodifiableMap(shardOf),
          List.copyOf(opened.values()));
    } catch (RuntimeException e) {
      opened.values().forEach(TensorSource::close);
      throw e;
    }
  }

  /** Every mapped tensor is in its shard; every tensor of a shard is mapped to it. */
  private static void checkContents(
      Path indexFile, Map<String, String> weightMap, Map<String, TensorSource> shards) {
    for (var e : weightMap.entrySet()) {
      if (shards.get(e.getValue()).keys().contains(e.getKey())) continue;
      String holder =
          shards.entrySet().stream()
              .filter(s -> s.getValue().keys().contains(e.getKey()))
              .map(s -> " (shard " + Names.quote(s.getKey()) + " holds it)")
              .findFirst()
              .orElse("");
      throw new CheckpointException(
          indexFile,
          "tensor "
              + Names.quote(e.getKey())
              + " is mapped to shard "
              + Names.quote(e.getValue())
              + ", which does not hold it"
              + holder);
    }
    for (var s : shards.entrySet()) {
      for (String t : s.getValue().keys()) {
        if (!s.getKey().equals(weightMap.get(t))) {
          throw new CheckpointException(
              indexFile,
              "shard "
                  + Names.quote(s.getKey())
                  + " holds tensor "
                  + Names.quote(t)
                  + ", which the weight_map "
                  + (weightMap.containsKey(t)
                      ? "maps to shard " + Names.quote(weightMap.get(t))
                      : "does not list"));
        }
      }
    }
  }

  private static Map<String, String> weightMap(JsonConfig json) {
    JsonNode map = json.node("weight_map");
    if (map == null || map.isNull())
      throw json.error(
          "weight_map",
          "missing: a sharded checkpoint index needs {\"weight_map\": {tensor: shard file}}");
    if (!map.isObject()) throw json.error("weight_map", "must be an object {tensor: shard file}");
    Map<String, String> out = new LinkedHashMap<>();
    Iterator<Map.Entry<String, JsonNode>> it = map.fields();
    while (it.hasNext()) {
      Map.Entry<String, JsonNode> e = it.next();
      if (!e.getValue().isTextual()) {
        throw json.error(
            "weight_map",
            "the shard of tensor "
                + Names.quote(e.getKey())
                + " must be a file name, got "
                + e.getValue());
      }
      out.put(e.getKey(), e.getValue().asText());
    }
    if (out.isEmpty()) throw json.error("weight_map", "is empty: the index names no tensors");
    return out;
  }

  /** Opens one shard after checking that its name stays inside {@code folder}. */
  private static TensorSource openShard(
      Path indexFile, Path folder, String shard, List<String> tensors) {
    Path file = shardPath(indexFile, folder, shard);
    if (!Files.isRegularFile(file)) {
      throw new CheckpointException(
          indexFile,
          "shard "
              + Names.quote(shard)
              + " (holding "
              + tensors.size()
              + " tensors, e.g. "
              + Names.quote(tensors.get(0))
              + ") is missing: expected "
              + file);
    }
    if (Checkpoints.isIndexName(shard)) {
      throw new CheckpointException(
          indexFile,
          "shard " + Names.quote(shard) + " is itself an index; shards must be checkpoint files");
    }
    return Checkpoints.open(file);
  }

  /**
   * The shard's path: a relative name without {@code ..} components, checked lexically (symbolic
   * links are followed as usual, since the Hugging Face cache links shards to blobs elsewhere).
   */
  private static Path shardPath(Path indexFile, Path folder, String shard) {
    String reason = null;
    if (shard.isEmpty()) reason = "is empty";
    else if (shard.indexOf('\0') >= 0) reason = "contains a NUL character";
    else if (shard.startsWith("/") || shard.startsWith("\\") || shard.matches("^[A-Za-z]:.*"))
      reason = "is an absolute path";
    else {
      for (String part : shard.split("[/\\\\]")) {
        if (part.equals("..")) reason = "contains '..'";
      }
    }
    Path file = null;
    if (reason == null) {
      try {
        file = folder.resolve(shard).normalize();
        if (!file.startsWith(folder.normalize())) reason = "leaves the index's folder";
      } catch (java.nio.file.InvalidPathException e) {
        reason = "is not a valid path (" + e.getReason() + ")";
      }
    }
    if (reason != null) {
      throw new CheckpointException(
          indexFile,
          "shard name "
              + Names.quote(shard)
              + " "
              + reason
              + "; shards must be files in the index's folder");
    }
    return file;
  }

  /** The index file. */
  public Path index() {
    return index;
  }

  /** The index's {@code metadata} object (e.g. {@code total_size}), or null when absent. */
  public JsonNode metadata() {
    return metadata;
  }

  /** The shards, in file-name order. */
  public List<TensorSource> shards() {
    return shards;
  }

  @Override
  public Set<String> keys() {
    return shardOf.keySet();
  }

  @Override
  public long[] shape(String key) {
    return shard(key).shape(key);
  }

  @Override
  public String dtype(String key) {
    return shard(key).dtype(key);
  }

  @Override
  public Tensor load(String key) {
    return shard(key).load(key);
  }

  @Override
  public Tensor loadRaw(String key) {
    return shard(key).loadRaw(key);
  }

  private TensorSource shard(String key) {
    TensorSource s = shardOf.get(key);
    if (s == null) throw new CheckpointException(index, "no tensor named " + Names.quote(key));
    return s;
  }

  @Override
  public void close() {
    for (TensorSource s : shards) s.close();
  }
}
