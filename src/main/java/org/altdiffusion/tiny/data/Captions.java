package org.altdiffusion.tiny.data;

import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;

/** The bundled caption data of all 18 languages ({@code tiny/captions/*.json}), loaded once. */
public final class Captions {
  private static volatile Captions bundled;
  private final Map<Language, CaptionLexicon> lexicons;

  private Captions(Map<Language, CaptionLexicon> lexicons) {
    this.lexicons = lexicons;
  }

  /** The bundled data; the first call loads and checks all 18 files. */
  public static Captions bundled() {
    Captions c = bundled;
    if (c == null) {
      synchronized (Captions.class) {
        c = bundled;
        if (c == null) {
          Map<Language, CaptionLexicon> m = new EnumMap<>(Language.class);
          for (Language l : Language.values()) m.put(l, CaptionLexicon.load(l));
          bundled = c = new Captions(Collections.unmodifiableMap(m));
        }
      }
    }
    return c;
  }

  public CaptionLexicon lexicon(Language language) {
    return lexicons.get(language);
  }

  /** The caption of {@code attributes} in {@code language} said with {@code template}. */
  public String caption(Language language, Attributes attributes, CaptionTemplate template) {
    return lexicons.get(language).caption(attributes, template);
  }

  /** The caption in every language, in {@link Language} order (English first). */
  public Map<Language, String> all(Attributes attributes, CaptionTemplate template) {
    Map<Language, String> out = new EnumMap<>(Language.class);
    for (Language l : Language.values()) out.put(l, caption(l, attributes, template));
    return Collections.unmodifiableMap(out);
  }
}
