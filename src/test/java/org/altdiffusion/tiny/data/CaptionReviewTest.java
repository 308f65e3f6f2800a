package org.altdiffusion.tiny.data;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class CaptionReviewTest {

  @Test
  void committedReviewTablesMatchTheData() throws Exception {
    Path committed = Path.of("docs/tiny-captions-review.md");
    assertTrue(Files.isRegularFile(committed), "missing " + committed.toAbsolutePath());
    String expected = CaptionReview.markdown(Captions.bundled());
    assertEquals(
        expected,
        Files.readString(committed, StandardCharsets.UTF_8),
        "docs/tiny-captions-review.md is stale: run ./altdiffusion dataset --review"
            + " docs/tiny-captions-review.md");
    for (Language l : Language.values())
      assertTrue(expected.contains("\n## " + l.code() + " " + l.englishName() + "\n"), l.code());
  }
}
