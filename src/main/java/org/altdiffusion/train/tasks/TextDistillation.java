package org.altdiffusion.train.tasks;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.altdiffusion.engine.ComputeDevice;
import org.altdiffusion.io.SafeTensors;
import org.altdiffusion.models.text.ClipTextModel;
import org.altdiffusion.models.text.RobertaSeriesModelWithTransformation;
import org.altdiffusion.models.text.TextConditioning;
import org.altdiffusion.nn.Parameter;
import org.altdiffusion.tokenizer.PromptTokenizer;
import org.altdiffusion.train.TrainingRandom;
import org.altdiffusion.train.TrainingTask;
import org.altdiffusion.train.data.Batch;
import org.altdiffusion.train.data.Dataset;
import org.altdiffusion.train.data.TextPair;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Step 1 of the AltDiffusion recipe: distil a multilingual text encoder from an English one. The
 * frozen teacher (CLIP's text model) reads the English side of each pair and gives its pooled
 * vector (final-LN hidden state at the end-of-text token); the student (XLM-R + projection) reads
 * the other side and gives its projected [CLS] vector; the loss pulls the two together.
 */
public final class TextDistillation implements TrainingTask<TextPair> {
  /** How student and teacher vectors are compared. */
  public enum Loss {
    /** Mean squared error over batch and width (the recipe's). */
    MSE,
    /** 1 - cosine similarity, averaged over the batch. */
    COSINE;

    public static Loss parse(String s) {
      return switch (s.toLowerCase(Locale.ROOT)) {
        case "mse" -> MSE;
        case "cosine" -> COSINE;
        default ->
            throw new IllegalArgumentException(
                "unknown distillation loss '" + s + "'; accepted: mse, cosine");
      };
    }
  }

  /** Turns texts into ids and masks for one model. */
  public interface Tokenize {
    /** [B, T] ids and [B, T] mask (1 = token) for {@code texts}. */
    Tensor[] encode(List<String> texts);

    /** A PromptTokenizer padding/truncating to {@code maxLength}. */
    static Tokenize with(PromptTokenizer tokenizer, int maxLength) {
      return texts -> {
        TextConditioning.Tokens t = TextConditioning.tokenize(tokenizer, texts, maxLength);
        return new Tensor[] {t.ids(), t.mask()};
      };
    }
  }

  private final RobertaSeriesModelWithTransformation student;
  private final ClipTextModel teacher;
  private final Tokenize studentTokens;
  private final Tokenize teacherTokens;
  private final Dataset<TextPair> data;
  private final Loss loss;
  private final Path studentSource;
  private final ObjectNode sources;

  /**
   * @param studentSource the student's folder (its config.json is copied on export)
   * @param sources what the fingerprint records about where models and data came from
   */
  public TextDistillation(
      RobertaSeriesModelWithTransformation student,
      ClipTextModel teacher,
      Tokenize studentTokens,
      Tokenize teacherTokens,
      Dataset<TextPair> data,
      Loss loss,
      Path studentSource,
      ObjectNode sources) {
    if (student.hiddenSize() != teacher.hiddenSize()) {
      throw new IllegalArgumentException(
          "the student projects to "
              + student.hiddenSize()
              + " but the teacher's pooled vector has "
              + teacher.hiddenSize()
              + " values (set the student's project_dim to the teacher's hidden_size)");
    }
    this.student = student;
    this.teacher = teacher;
    this.studentTokens = studentTokens;
    this.teacherTokens = teacherTokens;
    this.data = data;
    this.loss = loss;
    this.studentSource = studentSource;
    this.sources = sources;
    teacher.setTrainable(name -> true, false);
  }

  @Override
  public String kind() {
    return "text-encoder";
  }

  @Override
  public Map<String, Parameter> trainable() {
    Map<String, Parameter> out = new LinkedHashMap<>();
    student
        .namedParameters()
        .forEach(
            (k, p) -> {
              if (p.trainable()) out.put(k, p);
            });
    return out;
  }

  @Override
  public Dataset<TextPair> dataset() {
    return data;
  }

  @Override
  public Tensor loss(Batch<TextPair> batch, TrainingRandom random) {
    List<String> english = new ArrayList<>();
    List<String> other = new ArrayList<>();
    for (TextPair p : batch.items()) {
      english.add(p.english());
      other.add(p.text());
    }
    Tensor target;
    try (NoGradGuard g = new NoGradGuard()) {
      Tensor[] t = teacherTokens.encode(english);
      target = teacher.forward(t[0], t[1]).pooled(); // [B, width]
    }
    Tensor[] s = studentTokens.encode(other);
    Tensor pooled = student.pooled(s[0], s[1]); // [B, width]
    return distance(pooled, ComputeDevice.of(pooled).place(target), loss);
  }

  /** The distillation loss between student and teacher vectors [B, width]. */
  public static Tensor distance(Tensor student, Tensor teacher, Loss loss) {
    return switch (loss) {
      case MSE -> torch.mse_loss(student, teacher);
      case COSINE ->
          torch.cosine_similarity(student, teacher, 1, 1e-8).mean().neg().add(new Scalar(1.0));
    };
  }

  @Override
  public ObjectNode fingerprint() {
    ObjectNode o = new ObjectMapper().createObjectNode();
    o.put("loss", loss.name().toLowerCase(Locale.ROOT));
    o.put("pairs", data.size());
    o.setAll(sources);
    return o;
  }

  /** A transformers folder: the student's config.json and model.safetensors with every weight. */
  @Override
  public void export(Path dir, Map<String, Tensor> trained) throws IOException {
    Files.createDirectories(dir);
    Map<String, Tensor> all = new LinkedHashMap<>(student.stateDict());
    all.replaceAll((k, v) -> v.detach());
    all.putAll(trained);
    SafeTensors.write(dir.resolve("model.safetensors"), all, Map.of("format", "pt"));
    Files.copy(
        studentSource.resolve("config.json"),
        dir.resolve("config.json"),
        StandardCopyOption.REPLACE_EXISTING);
  }

  public RobertaSeriesModelWithTransformation student() {
    return student;
  }
}
