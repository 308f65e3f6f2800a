package org.altdiffusion.tiny.data;

import java.util.Locale;

/**
 * The meanings a caption can carry. Every language has one template per value (its data file's
 * {@code templates} object), so captions of the same template are translations of each other. Shape
 * and colour are always said; size and position only by some templates.
 */
public enum CaptionTemplate {
  /** "a red circle" */
  COLOUR_SHAPE(false, false),
  /** "a small red circle" */
  SIZE_COLOUR_SHAPE(true, false),
  /** "a red circle on the left" */
  COLOUR_SHAPE_POSITION(false, true),
  /** "a small red circle on the left": all four attributes; what evaluation prompts use. */
  FULL(true, true);

  private final boolean mentionsSize;
  private final boolean mentionsPosition;

  CaptionTemplate(boolean mentionsSize, boolean mentionsPosition) {
    this.mentionsSize = mentionsSize;
    this.mentionsPosition = mentionsPosition;
  }

  public boolean mentionsSize() {
    return mentionsSize;
  }

  public boolean mentionsPosition() {
    return mentionsPosition;
  }

  /** Key in the data files ("colour_shape", "full"). */
  public String key() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * A representative of the attributes this template can tell apart: size and position it does not
   * mention are set to SMALL and CENTRE, so two combinations give the same caption exactly when
   * their projections are equal.
   */
  public Attributes project(Attributes a) {
    return new Attributes(
        a.shape(),
        a.colour(),
        mentionsPosition ? a.position() : Position.CENTRE,
        mentionsSize ? a.size() : Size.SMALL);
  }
}
