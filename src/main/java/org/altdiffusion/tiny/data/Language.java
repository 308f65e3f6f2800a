package org.altdiffusion.tiny.data;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The 18 languages of AltDiffusion-m18, in the model card's order; English is the teacher's
 * language.
 */
public enum Language {
  EN("English"),
  ZH("Chinese"),
  JA("Japanese"),
  TH("Thai"),
  KO("Korean"),
  HI("Hindi"),
  UK("Ukrainian"),
  AR("Arabic"),
  TR("Turkish"),
  VI("Vietnamese"),
  PL("Polish"),
  NL("Dutch"),
  PT("Portuguese"),
  IT("Italian"),
  ES("Spanish"),
  DE("German"),
  FR("French"),
  RU("Russian");

  private final String englishName;

  Language(String englishName) {
    this.englishName = englishName;
  }

  /** ISO 639-1 code, lowercase ("zh"): also the name of the caption data file. */
  public String code() {
    return name().toLowerCase(Locale.ROOT);
  }

  public String englishName() {
    return englishName;
  }

  /** The language with ISO code {@code code} (any case), or an error listing the accepted codes. */
  public static Language parse(String code) {
    if (code != null) {
      for (Language l : values()) if (l.code().equalsIgnoreCase(code.trim())) return l;
    }
    throw new IllegalArgumentException(
        "unknown language '"
            + code
            + "'; accepted: "
            + Arrays.stream(values()).map(Language::code).collect(Collectors.joining(", ")));
  }
}
