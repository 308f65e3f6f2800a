package org.altdiffusion.models.text;

import org.altdiffusion.prompt.Embeddings;

/**
 * How {@link TextConditioning} reads a prompt.
 *
 * @param syntax {@link Syntax#A1111} (weights, BREAK, long prompts in chunks, embeddings) or {@link
 *     Syntax#PLAIN} (the text as diffusers takes it, cut at the encoder's window)
 * @param clipSkip A1111's "Clip skip" ({@code CLIP_stop_at_last_layers}): 1 = the encoder's output
 *     (default); N > 1 = CLIP's hidden state N from the end through its final LayerNorm
 * @param embeddings textual-inversion embeddings a prompt may name (A1111 syntax only); never null
 */
public record PromptOptions(Syntax syntax, int clipSkip, Embeddings embeddings) {
  /** The two ways of reading a prompt. */
  public enum Syntax {
    /** diffusers: the text as written, truncated to the encoder's window. */
    PLAIN,
    /** AUTOMATIC1111: emphasis, BREAK, chunks of 75 tokens, textual inversion. */
    A1111;

    /** The CLI's and the infotext's name: "plain", "a1111". */
    public String cliName() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }

    /** "plain" or "a1111" (any case). */
    public static Syntax parse(String s) {
      for (Syntax v : values())
        if (v.cliName().equalsIgnoreCase(s == null ? "" : s.strip())) return v;
      throw new IllegalArgumentException(
          "prompt syntax '" + s + "' is not known; accepted: a1111, plain");
    }
  }

  /** diffusers' reading: plain text, no clip skip, no embeddings (the Java API's default). */
  public static final PromptOptions PLAIN = new PromptOptions(Syntax.PLAIN, 1, Embeddings.none());

  /** A1111's reading with no embeddings and no clip skip. */
  public static final PromptOptions A1111 = new PromptOptions(Syntax.A1111, 1, Embeddings.none());

  public PromptOptions {
    if (syntax == null) throw new IllegalArgumentException("a prompt syntax is required");
    if (clipSkip < 1)
      throw new IllegalArgumentException("clip skip must be 1 or more, got " + clipSkip);
    if (embeddings == null) embeddings = Embeddings.none();
  }

  public PromptOptions withSyntax(Syntax v) {
    return new PromptOptions(v, clipSkip, embeddings);
  }

  public PromptOptions withClipSkip(int v) {
    return new PromptOptions(syntax, v, embeddings);
  }

  public PromptOptions withEmbeddings(Embeddings v) {
    return new PromptOptions(syntax, clipSkip, v);
  }
}
