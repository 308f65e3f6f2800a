package org.altdiffusion.train.data;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.altdiffusion.train.TrainingFixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * img2dataset shards, folders and JSONL: indexing, filters, skipped samples, damaged shards,
 * missing shards.
 */
class WebDatasetTest {
  static byte[] image(String name) throws Exception {
    return Files.readAllBytes(TrainingFixtures.training("images/" + name));
  }

  static TarWriter shard(int first) throws Exception {
    TarWriter t = new TarWriter();
    for (int i = first; i < first + 3; i++) {
      String key = String.format("%09d", i);
      t.add(key + ".jpg", image("rgb.jpg"));
      t.add(key + ".txt", "a red picture " + i);
      t.add(
          key + ".json",
          "{\"key\":\""
              + key
              + "\",\"LANGUAGE\":\""
              + (i % 2 == 0 ? "fr" : "de")
              + "\",\"aesthetic\":"
              + (5 + i)
              + "}");
    }
    return t;
  }

  @Test
  void readsShardsByBraceRangeWithFilters(@TempDir Path dir) throws Exception {
    shard(0).write(dir.resolve("00000.tar"));
    shard(3).write(dir.resolve("00001.tar"));
    List<String> problems = new ArrayList<>();
    Dataset<ImageText> all =
        ImageTextSources.open(dir + "/{00000..00001}.tar", 16, MetadataFilter.NONE, problems);
    assertEquals(6, all.size());
    assertEquals(List.of(), problems);
    ImageText first = all.get(0);
    assertEquals("a red picture 0", first.caption());
    assertEquals(3 * 16 * 16, first.pixels().length);
    assertEquals(200 / 127.5f - 1, first.pixels()[0], 0.03);

    Dataset<ImageText> french =
        ImageTextSources.open(
            dir.toString(), 16, new MetadataFilter(Set.of("FR"), Double.NaN, 0), problems);
    assertEquals(3, french.size(), french.describe());
    assertTrue(french.describe().contains("3 filtered out"), french.describe());
    Dataset<ImageText> pretty =
        ImageTextSources.open(dir.toString(), 16, new MetadataFilter(Set.of(), 7.0, 0), problems);
    assertEquals(4, pretty.size(), "aesthetic 7, 8, 9, 10");
    Dataset<ImageText> big =
        ImageTextSources.open(
            dir.toString(), 16, new MetadataFilter(Set.of(), Double.NaN, 64), problems);
    assertEquals(
        SkipReason.TOO_SMALL, assertThrows(SkippedSample.class, () -> big.get(0)).reason());
  }

  @Test
  void missingShardIsAClearError(@TempDir Path dir) throws Exception {
    shard(0).write(dir.resolve("00000.tar"));
    var e =
        assertThrows(
            NoSuchFileException.class,
            () ->
                ImageTextSources.open(
                    dir + "/{00000..00002}.tar", 16, MetadataFilter.NONE, new ArrayList<>()));
    assertTrue(e.getMessage().contains("00001.tar"), e.getMessage());
    assertTrue(e.getReason().contains("shard not found"), e.getReason());
    Files.writeString(dir.resolve("junk.tar"), "this is not a tar archive at all");
    var junk =
        assertThrows(
            java.io.IOException.class,
            () ->
                ImageTextSources.open(
                    dir.resolve("junk.tar").toString(),
                    16,
                    MetadataFilter.NONE,
                    new ArrayList<>()));
    assertTrue(
        junk.getMessage().contains("junk.tar") && junk.getMessage().contains("not a readable tar"),
        junk.getMessage());
  }

  @Test
  void corruptMembersAndDamagedShardsAreCountedNotFatal(@TempDir Path dir) throws Exception {
    TarWriter t =
        new TarWriter()
            .add("a.jpg", image("truncated.jpg"))
            .add("a.txt", "truncated")
            .add("b.png", image("gray16.png"))
            .add("b.txt", "   ")
            .add("c.webp", image("green.webp"))
            .add("c.txt", "webp")
            .add("d.jpg", image("cmyk.jpg"))
            .add("e.png", image("rgba.png"))
            .add("e.txt", "fine")
            .add("f.jpg", image("rgb.jpg"))
            .add("f.txt", "after the damage");
    byte[] tar = t.bytes();
    // damage the header of member 9 (f.jpg): its checksum no longer matches
    int f = TarWriter.headerOffset(tar, 9);
    tar[f + 3] ^= 0x55;
    Files.write(dir.resolve("00000.tar"), tar);
    List<String> problems = new ArrayList<>();
    Dataset<ImageText> data =
        ImageTextSources.open(
            dir.resolve("00000.tar").toString(), 8, MetadataFilter.NONE, problems);
    assertEquals(1, problems.size(), problems.toString());
    assertTrue(problems.get(0).contains("bad header checksum"), problems.get(0));
    assertEquals(5, data.size(), "a..e kept, f lost with the damage");
    SampleStream<ImageText> stream = new SampleStream<>(data, 0, false, 0, 1);
    ImageText only = stream.next(1).items().get(0);
    assertEquals("fine", only.caption());
    var skipped = stream.skipped();
    assertEquals(1, skipped.get(SkipReason.CORRUPT_IMAGE));
    assertEquals(1, skipped.get(SkipReason.EMPTY_CAPTION));
    assertEquals(1, skipped.get(SkipReason.UNSUPPORTED_IMAGE));
    assertEquals(1, skipped.get(SkipReason.INCOMPLETE_SAMPLE));
    // a shard cut short inside a member keeps the members before it
    Files.write(
        dir.resolve("cut.tar"),
        java.util.Arrays.copyOf(t.bytes(), TarWriter.headerOffset(t.bytes(), 4) + 520));
    problems.clear();
    Dataset<ImageText> cut =
        ImageTextSources.open(dir.resolve("cut.tar").toString(), 8, MetadataFilter.NONE, problems);
    assertEquals(2, cut.size());
    assertTrue(problems.get(0).contains("cut short"), problems.toString());
  }

  @Test
  void longNamesFoldersAndJsonl(@TempDir Path dir) throws Exception {
    String longKey = "x".repeat(120);
    new TarWriter()
        .add(longKey + ".png", image("rgb.png"))
        .add(longKey + ".txt", "long")
        .write(dir.resolve("long.tar"));
    Dataset<ImageText> longs =
        ImageTextSources.open(
            dir.resolve("long.tar").toString(), 8, MetadataFilter.NONE, new ArrayList<>());
    assertEquals("long", longs.get(0).caption());
    new TarWriter()
        .add("pax:dir/sample-ü.png", image("rgb.png"))
        .add("pax:dir/sample-ü.txt", "pax names")
        .write(dir.resolve("pax.tar"));
    Dataset<ImageText> pax =
        ImageTextSources.open(
            dir.resolve("pax.tar").toString(), 8, MetadataFilter.NONE, new ArrayList<>());
    assertEquals(1, pax.size());
    assertEquals("pax names", pax.get(0).caption());
    assertEquals("pax.tar:dir/sample-ü", pax.get(0).key());

    Path folder = Files.createDirectories(dir.resolve("folder"));
    Files.write(folder.resolve("one.png"), image("palette.png"));
    Files.writeString(folder.resolve("one.txt"), "green");
    Files.write(folder.resolve("two.jpg"), image("rgb.jpg"));
    Dataset<ImageText> images =
        ImageTextSources.open(folder.toString(), 8, MetadataFilter.NONE, new ArrayList<>());
    assertEquals(2, images.size());
    assertEquals("green", images.get(0).caption());
    assertEquals(
        SkipReason.INCOMPLETE_SAMPLE,
        assertThrows(SkippedSample.class, () -> images.get(1)).reason());

    Files.writeString(
        dir.resolve("pairs.jsonl"),
        "{\"image\": \"folder/one.png\", \"text\": \"green\", \"lang\": \"en\"}\n\n"
            + "{\"image\": \"folder/missing.png\", \"text\": \"gone\", \"lang\": \"en\"}\n"
            + "{\"image\": \"folder/two.jpg\", \"text\": \"red\", \"lang\": \"zh\"}\n");
    Dataset<ImageText> jsonl =
        ImageTextSources.open(
            dir.resolve("pairs.jsonl").toString(),
            8,
            new MetadataFilter(Set.of("en"), Double.NaN, 0),
            new ArrayList<>());
    assertEquals(2, jsonl.size());
    assertEquals(
        SkipReason.UNREADABLE_FILE, assertThrows(SkippedSample.class, () -> jsonl.get(1)).reason());
    Files.writeString(dir.resolve("bad.jsonl"), "{\"text\": \"no image\"}\n");
    var bad =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                ImageTextSources.open(
                    dir.resolve("bad.jsonl").toString(),
                    8,
                    MetadataFilter.NONE,
                    new ArrayList<>()));
    assertTrue(bad.getMessage().contains("bad.jsonl:1"), bad.getMessage());
  }
}
