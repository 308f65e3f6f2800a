package org.altdiffusion.train.data;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.NoSuchFileException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Data made by code is chosen by name only when the caller passes it; files otherwise. */
class GeneratedImageTextTest {
  /** Records the argument it was opened with; its one picture is captioned with it. */
  static final class Recording implements GeneratedImageText {
    final List<String> arguments = new ArrayList<>();

    @Override
    public String name() {
      return "stripes";
    }

    @Override
    public String syntax() {
      return "stripes[:WIDTH]";
    }

    @Override
    public Dataset<ImageText> open(String argument, int resolution) {
      arguments.add(argument);
      ImageText one =
          new ImageText(new float[3 * resolution * resolution], resolution, "w=" + argument, "s");
      return new Dataset<>() {
        @Override
        public int size() {
          return 1;
        }

        @Override
        public ImageText get(int index) {
          return one;
        }

        @Override
        public String describe() {
          return "stripes";
        }
      };
    }
  }

  @Test
  void aGeneratedSourceIsChosenByItsNameIgnoringCaseWithAnOptionalArgument() throws Exception {
    Recording stripes = new Recording();
    List<String> problems = new ArrayList<>();
    Dataset<ImageText> plain =
        ImageTextSources.open("stripes", 8, MetadataFilter.NONE, problems, List.of(stripes));
    Dataset<ImageText> wide =
        ImageTextSources.open("STRIPES:12", 4, MetadataFilter.NONE, problems, List.of(stripes));
    assertEquals(java.util.Arrays.asList(null, "12"), stripes.arguments);
    assertEquals("w=null", plain.get(0).caption());
    assertEquals(8, plain.get(0).size());
    assertEquals("w=12", wide.get(0).caption());
    assertEquals(4, wide.get(0).size());
    assertEquals(List.of(), problems);
  }

  @Test
  void otherSpecificationsAreFilesAndMessagesNameTheGeneratedSources() {
    Recording stripes = new Recording();
    var e =
        assertThrows(
            NoSuchFileException.class,
            () ->
                ImageTextSources.open(
                    "stripesx", 8, MetadataFilter.NONE, new ArrayList<>(), List.of(stripes)));
    assertEquals(List.of(), stripes.arguments, "a longer name is not the source's name");
    assertTrue(e.getReason().contains("or stripes[:WIDTH]"), e.getReason());
  }

  @Test
  void withoutGeneratedSourcesANameIsJustAMissingFile() {
    var e =
        assertThrows(
            NoSuchFileException.class,
            () -> ImageTextSources.open("shapes", 8, MetadataFilter.NONE, new ArrayList<>()));
    assertEquals("shapes", e.getFile());
    assertFalse(e.getReason().contains("shapes"), e.getReason());
  }
}
