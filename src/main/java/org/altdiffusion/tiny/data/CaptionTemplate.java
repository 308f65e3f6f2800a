package org.altdiffusion.tiny.data;

import java.util.List;
import java.util.Locale;

/**
 * The meanings a caption can carry: which of shape, colour, size and position it says. Every
 * language has one template text per meaning that names the shape (its data file's {@code
 * templates} object), so captions of the same meaning are translations of each other. Meanings that
 * leave the shape open reuse the text of the same meaning with a shape, the language's generic noun
 * ({@code any_shape}: "a red shape") in the shape's place; single attributes are bare words ("red",
 * "circle", "small", "on the left"), in the dictionary form ({@code bare}).
 *
 * <p>The first four ({@link #COMPLETE}) are the captions of the original dataset; the others are
 * the partial captions ({@link #PARTIAL}: those that leave the shape or the colour open).
 */
public enum CaptionTemplate {
  /** "a red circle" */
  COLOUR_SHAPE(true, true, false, false, null),
  /** "a small red circle" */
  SIZE_COLOUR_SHAPE(true, true, true, false, null),
  /** "a red circle on the left" */
  COLOUR_SHAPE_POSITION(true, true, false, true, null),
  /** "a small red circle on the left": all four attributes; what evaluation prompts use. */
  FULL(true, true, true, true, null),
  /** "circle": the bare noun */
  SHAPE(true, false, false, false, null),
  /** "red": the bare adjective, dictionary form */
  COLOUR(false, true, false, false, null),
  /** "small": the bare adjective, dictionary form */
  SIZE(false, false, true, false, null),
  /** "on the left": the bare position phrase */
  POSITION(false, false, false, true, null),
  /** "a small circle" */
  SIZE_SHAPE(true, false, true, false, null),
  /** "a circle on the left" */
  SHAPE_POSITION(true, false, false, true, null),
  /** "a small circle on the left" */
  SIZE_SHAPE_POSITION(true, false, true, true, null),
  /** "a small red shape": {@link #SIZE_COLOUR_SHAPE}'s text with the generic noun */
  SIZE_COLOUR(false, true, true, false, SIZE_COLOUR_SHAPE),
  /** "a red shape on the left": {@link #COLOUR_SHAPE_POSITION}'s text with the generic noun */
  COLOUR_POSITION(false, true, false, true, COLOUR_SHAPE_POSITION),
  /** "a small red shape on the left": {@link #FULL}'s text with the generic noun */
  SIZE_COLOUR_POSITION(false, true, true, true, FULL),
  /** "a small shape on the left": {@link #SIZE_SHAPE_POSITION}'s text with the generic noun */
  SIZE_POSITION(false, false, true, true, SIZE_SHAPE_POSITION);

  /** The captions of the original dataset: shape and colour always said. */
  public static final List<CaptionTemplate> COMPLETE =
      List.of(COLOUR_SHAPE, SIZE_COLOUR_SHAPE, COLOUR_SHAPE_POSITION, FULL);

  /** The partial captions: the meanings that leave the shape or the colour open (11). */
  public static final List<CaptionTemplate> PARTIAL =
      List.of(values()).subList(COMPLETE.size(), values().length);

  private final boolean mentionsShape;
  private final boolean mentionsColour;
  private final boolean mentionsSize;
  private final boolean mentionsPosition;
  private final CaptionTemplate textOf;

  CaptionTemplate(
      boolean mentionsShape,
      boolean mentionsColour,
      boolean mentionsSize,
      boolean mentionsPosition,
      CaptionTemplate textOf) {
    this.mentionsShape = mentionsShape;
    this.mentionsColour = mentionsColour;
    this.mentionsSize = mentionsSize;
    this.mentionsPosition = mentionsPosition;
    this.textOf = textOf;
  }

  public boolean mentionsShape() {
    return mentionsShape;
  }

  public boolean mentionsColour() {
    return mentionsColour;
  }

  public boolean mentionsSize() {
    return mentionsSize;
  }

  public boolean mentionsPosition() {
    return mentionsPosition;
  }

  /** How many of the four attributes the caption says. */
  public int attributeCount() {
    return (mentionsShape ? 1 : 0)
        + (mentionsColour ? 1 : 0)
        + (mentionsSize ? 1 : 0)
        + (mentionsPosition ? 1 : 0);
  }

  /**
   * The meaning whose data-file text this one is said with: itself, or for a meaning without a
   * shape, the same meaning with the shape (said with the generic noun).
   */
  public CaptionTemplate text() {
    return textOf == null ? this : textOf;
  }

  /** True when the shape slot holds the language's generic noun ("shape"). */
  public boolean genericNoun() {
    return textOf != null;
  }

  /** True for a single attribute said as a bare word ("red", "circle"). */
  public boolean bare() {
    return attributeCount() == 1;
  }

  /** Whether this meaning has a text of its own in the data files. */
  public boolean hasOwnText() {
    return textOf == null;
  }

  /** Key in the data files ("colour_shape", "full"). */
  public String key() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * A representative of the attributes this template can tell apart: attributes it does not mention
   * are set to CIRCLE, RED, CENTRE and SMALL, so two combinations give the same caption exactly
   * when their projections are equal.
   */
  public Attributes project(Attributes a) {
    return new Attributes(
        mentionsShape ? a.shape() : Shape.CIRCLE,
        mentionsColour ? a.colour() : Colour.RED,
        mentionsPosition ? a.position() : Position.CENTRE,
        mentionsSize ? a.size() : Size.SMALL);
  }

  /** Whether a caption of this meaning about {@code said} is true of a picture of {@code shown}. */
  public boolean describes(Attributes said, Attributes shown) {
    return project(said).equals(project(shown));
  }
}
