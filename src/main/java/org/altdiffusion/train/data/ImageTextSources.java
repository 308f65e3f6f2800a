package org.altdiffusion.train.data;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.altdiffusion.image.CenterCrop;
import org.altdiffusion.tiny.data.Language;
import org.altdiffusion.tiny.data.Sample;
import org.altdiffusion.tiny.data.ShapesDataset;
import org.altdiffusion.tiny.data.Split;

/**
 * Opens image-text training data from a specification:
 *
 * <ul>
 *   <li>WebDataset shards as img2dataset writes them: {@code DIR/00000.tar}, a brace range {@code
 *       DIR/{00000..00009}.tar}, or a folder of {@code .tar} files; each sample is {@code
 *       key.jpg|jpeg|png|webp} + {@code key.txt} (+ {@code key.json} metadata);
 *   <li>a folder of images with a {@code .txt} caption (and optional {@code .json}) of the same
 *       name;
 *   <li>a {@code .jsonl} file, one {@code {"image": "path", "text": "..."}} per line (paths
 *       relative to the file's folder; other fields are metadata for the filters);
 *   <li>{@code shapes[:SEED]}: the synthetic shapes dataset (64x64), captions in every language.
 * </ul>
 *
 * A missing or unreadable shard or file named by the specification is an error; damage inside a
 * shard keeps what precedes it (reported); bad samples are skipped and counted while training.
 */
public final class ImageTextSources {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern BRACES = Pattern.compile("\\{(\\d+)\\.\\.(\\d+)}");
  static final List<String> IMAGE_EXTENSIONS = List.of("jpg", "jpeg", "png", "webp", "gif", "bmp");

  private ImageTextSources() {}

  public static Dataset<ImageText> open(
      String spec, int resolution, MetadataFilter filter, List<String> problemsOut)
      throws IOException {
    String lower = spec.toLowerCase(Locale.ROOT);
    if (lower.equals("shapes") || lower.startsWith("shapes:")) {
      long seed =
          lower.contains(":") ? Long.parseLong(spec.substring(spec.indexOf(':') + 1).trim()) : 0;
      return shapes(seed, resolution);
    }
    if (BRACES.matcher(spec).find() || lower.endsWith(".tar"))
      return webDataset(expandShards(spec), resolution, filter, problemsOut, spec);
    Path p = Path.of(spec);
    if (!Files.exists(p))
      throw new NoSuchFileException(
          spec,
          null,
          "training data not found (expected shards, a folder, a .jsonl file or 'shapes')");
    if (Files.isDirectory(p)) {
      List<Path> tars;
      try (Stream<Path> s = Files.list(p)) {
        tars =
            s.filter(f -> f.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".tar"))
                .sorted()
                .toList();
      }
      return tars.isEmpty()
          ? folder(p, resolution, filter)
          : webDataset(tars, resolution, filter, problemsOut, spec);
    }
    if (lower.endsWith(".jsonl")) return jsonl(p, resolution, filter);
    throw new IllegalArgumentException(
        "cannot tell what training data '"
            + spec
            + "' is: expected DIR/{00000..00009}.tar, a .tar shard, a folder, a .jsonl file or"
            + " shapes[:SEED]");
  }

  /**
   * {@code a/{00000..00002}.tar} -> a/00000.tar, a/00001.tar, a/00002.tar (widths kept); each must
   * exist.
   */
  static List<Path> expandShards(String spec) throws IOException {
    List<String> names = new ArrayList<>(List.of(spec));
    while (true) {
      List<String> next = new ArrayList<>();
      boolean expanded = false;
      for (String n : names) {
        Matcher m = BRACES.matcher(n);
        if (!m.find()) {
          next.add(n);
          continue;
        }
        expanded = true;
        long from = Long.parseLong(m.group(1));
        long to = Long.parseLong(m.group(2));
        if (to < from || to - from > 1_000_000)
          throw new IllegalArgumentException(
              "bad shard range {" + m.group(1) + ".." + m.group(2) + "} in " + spec);
        int width = m.group(1).length();
        for (long i = from; i <= to; i++)
          next.add(
              n.substring(0, m.start())
                  + String.format("%0" + width + "d", i)
                  + n.substring(m.end()));
      }
      names = next;
      if (!expanded) break;
    }
    List<Path> out = new ArrayList<>();
    for (String n : names) {
      Path p = Path.of(n);
      if (!Files.isRegularFile(p))
        throw new NoSuchFileException(n, null, "shard not found (from --data " + spec + ")");
      if (!Files.isReadable(p))
        throw new java.nio.file.AccessDeniedException(
            n, null, "shard not readable (from --data " + spec + ")");
      out.add(p);
    }
    return out;
  }

  static IndexedImageText webDataset(
      List<Path> shards, int resolution, MetadataFilter filter, List<String> problems, String spec)
      throws IOException {
    List<IndexedImageText.Entry> entries = new ArrayList<>();
    MetadataFilter.Counts filtered = new MetadataFilter.Counts();
    for (Path shard : shards) {
      TarIndex index;
      try {
        index = TarIndex.read(shard);
      } catch (IOException e) {
        throw new IOException("cannot read shard " + shard + ": " + e.getMessage(), e);
      }
      if (index.problem() != null) {
        String msg =
            shard
                + ": "
                + index.problem()
                + "; kept the "
                + index.members().size()
                + " members before it";
        problems.add(msg);
        if (index.members().isEmpty())
          throw new IOException(
              "shard " + shard + " is not a readable tar archive: " + index.problem());
      }
      Map<String, Map<String, TarIndex.Member>> byKey = new LinkedHashMap<>();
      for (TarIndex.Member m : index.members()) {
        String name = m.name();
        int slash = name.lastIndexOf('/');
        int dot = name.indexOf('.', slash + 1);
        if (dot < 0) continue;
        String key = name.substring(0, dot);
        String ext = name.substring(dot + 1).toLowerCase(Locale.ROOT);
        byKey.computeIfAbsent(key, k -> new LinkedHashMap<>()).put(ext, m);
      }
      for (var e : byKey.entrySet()) {
        Map<String, TarIndex.Member> parts = e.getValue();
        String where = shard.getFileName() + ":" + e.getKey();
        JsonNode meta =
            parts.containsKey("json") ? json(TarIndex.read(shard, parts.get("json")), where) : null;
        String refused = filter.refuse(meta);
        if (refused != null) {
          filtered.add(refused);
          continue;
        }
        String caption =
            parts.containsKey("txt")
                ? new String(TarIndex.read(shard, parts.get("txt")), StandardCharsets.UTF_8)
                : meta != null && meta.path("caption").isTextual()
                    ? meta.get("caption").asText()
                    : null;
        TarIndex.Member image = null;
        for (String ext : IMAGE_EXTENSIONS) if (image == null) image = parts.get(ext);
        TarIndex.Member img = image;
        entries.add(
            new IndexedImageText.Entry(
                where, caption, img == null ? null : () -> TarIndex.read(shard, img)));
      }
    }
    return new IndexedImageText(
        entries,
        resolution,
        filter.minSize(),
        "WebDataset "
            + spec
            + ": "
            + shards.size()
            + " shards, "
            + entries.size()
            + " samples"
            + (filtered.total() > 0 ? ", " + filtered.total() + " filtered out " + filtered : ""));
  }

  static IndexedImageText folder(Path dir, int resolution, MetadataFilter filter)
      throws IOException {
    List<IndexedImageText.Entry> entries = new ArrayList<>();
    MetadataFilter.Counts filtered = new MetadataFilter.Counts();
    List<Path> images;
    try (Stream<Path> s = Files.walk(dir)) {
      images =
          s.filter(Files::isRegularFile)
              .filter(f -> IMAGE_EXTENSIONS.contains(extension(f)))
              .sorted()
              .toList();
    }
    for (Path img : images) {
      String stem =
          img.getFileName().toString().substring(0, img.getFileName().toString().lastIndexOf('.'));
      Path txt = img.resolveSibling(stem + ".txt");
      Path meta = img.resolveSibling(stem + ".json");
      String key = dir.relativize(img).toString();
      JsonNode m = Files.isRegularFile(meta) ? json(Files.readAllBytes(meta), key) : null;
      String refused = filter.refuse(m);
      if (refused != null) {
        filtered.add(refused);
        continue;
      }
      String caption =
          Files.isRegularFile(txt) ? Files.readString(txt, StandardCharsets.UTF_8) : null;
      entries.add(new IndexedImageText.Entry(key, caption, () -> Files.readAllBytes(img)));
    }
    return new IndexedImageText(
        entries,
        resolution,
        filter.minSize(),
        "image folder "
            + dir
            + ": "
            + entries.size()
            + " images"
            + (filtered.total() > 0 ? ", " + filtered.total() + " filtered out " + filtered : ""));
  }

  static IndexedImageText jsonl(Path file, int resolution, MetadataFilter filter)
      throws IOException {
    List<IndexedImageText.Entry> entries = new ArrayList<>();
    MetadataFilter.Counts filtered = new MetadataFilter.Counts();
    Path base = file.toAbsolutePath().getParent();
    try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      String line;
      int number = 0;
      while ((line = in.readLine()) != null) {
        number++;
        if (line.isBlank()) continue;
        String where = file.getFileName() + ":" + number;
        JsonNode n = json(line.getBytes(StandardCharsets.UTF_8), where);
        if (!n.isObject() || !n.path("image").isTextual()) {
          throw new IllegalArgumentException(
              file + ":" + number + ": expected {\"image\": \"path\", \"text\": \"...\"}");
        }
        String refused = filter.refuse(n);
        if (refused != null) {
          filtered.add(refused);
          continue;
        }
        Path img = base.resolve(n.get("image").asText());
        String caption = n.path("text").isTextual() ? n.get("text").asText() : null;
        entries.add(
            new IndexedImageText.Entry(
                where + " (" + n.get("image").asText() + ")",
                caption,
                () -> Files.readAllBytes(img)));
      }
    }
    return new IndexedImageText(
        entries,
        resolution,
        filter.minSize(),
        "JSONL "
            + file
            + ": "
            + entries.size()
            + " pairs"
            + (filtered.total() > 0 ? ", " + filtered.total() + " filtered out " + filtered : ""));
  }

  /** The shapes dataset's training split with captions in all 18 languages (see the overload). */
  static Dataset<ImageText> shapes(long seed, int resolution) {
    return shapes(
        seed, ShapesDataset.of(seed, Split.TRAIN).size(), resolution, List.of(Language.values()));
  }

  /**
   * The first {@code pictures} of the shapes dataset's training split as image-text pairs, the
   * 64x64 picture resized to {@code resolution}. Sample i shows combination {@code i mod n} (n
   * training combinations) and gets its caption in language {@code (i + i / n) mod L}: every
   * language equally often, and each combination in every language (plain {@code i mod L} would
   * pair a combination with only the languages congruent to it modulo gcd(n, L)).
   */
  public static Dataset<ImageText> shapes(
      long seed, int pictures, int resolution, List<Language> languages) {
    if (languages.isEmpty())
      throw new IllegalArgumentException("at least one caption language is required");
    ShapesDataset data = ShapesDataset.of(seed, Split.TRAIN, pictures);
    int combinations = data.combinationOrder().size();
    String languageList =
        languages.size() == Language.values().length
            ? languages.size() + " languages"
            : languages.stream()
                .map(Language::code)
                .collect(java.util.stream.Collectors.joining(","));
    return new Dataset<>() {
      @Override
      public int size() {
        return data.size();
      }

      @Override
      public ImageText get(int index) {
        Sample s = data.get(index);
        float[] pixels =
            resolution == s.image().getWidth()
                ? s.pixels()
                : CenterCrop.pixels(s.image(), resolution);
        Language language = languages.get((index + index / combinations) % languages.size());
        return new ImageText(pixels, resolution, s.caption(language), "shapes#" + index);
      }

      @Override
      public String describe() {
        return "shapes dataset (seed "
            + seed
            + "): "
            + data.size()
            + " pictures, captions in "
            + languageList;
      }
    };
  }

  private static String extension(Path f) {
    String n = f.getFileName().toString();
    int dot = n.lastIndexOf('.');
    return dot < 0 ? "" : n.substring(dot + 1).toLowerCase(Locale.ROOT);
  }

  private static JsonNode json(byte[] bytes, String where) {
    try {
      return JSON.readTree(bytes);
    } catch (IOException e) {
      throw new IllegalArgumentException(where + ": unreadable JSON metadata: " + e.getMessage());
    }
  }
}
