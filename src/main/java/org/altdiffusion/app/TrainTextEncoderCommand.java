package org.altdiffusion.app;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.altdiffusion.engine.ComputeDevice;
import org.altdiffusion.engine.Tensors;
import org.altdiffusion.engine.Torch;
import org.altdiffusion.models.text.ClipTextModel;
import org.altdiffusion.models.text.RobertaSeriesConfig;
import org.altdiffusion.models.text.RobertaSeriesModelWithTransformation;
import org.altdiffusion.models.text.TextEncoderFiles;
import org.altdiffusion.tiny.recipe.ShapesTrainingData;
import org.altdiffusion.tokenizer.PromptTokenizer;
import org.altdiffusion.train.Trainer;
import org.altdiffusion.train.data.ParallelText;
import org.altdiffusion.train.distributed.Distributed;
import org.altdiffusion.train.tasks.TextDistillation;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code altdiffusion train-text-encoder}: step 1 of the recipe, distilling a multilingual text
 * encoder (XLM-R + projection) from a frozen English CLIP text model on parallel sentences.
 */
@Command(
    name = "train-text-encoder",
    sortOptions = false,
    description = {
      "Distil a multilingual text encoder (student: XLM-R + projection) from a frozen English CLIP"
          + " text model (teacher): the teacher reads the English side of each sentence pair, the"
          + " student the other side; the loss pulls the student's projected [CLS] vector to the"
          + " teacher's pooled EOS vector.",
      "Data: --data FILE.jsonl ({\"en\": ..., \"text\": ..., \"lang\": ...} per line) or FILE.tsv"
          + " (english<TAB>text[<TAB>lang]), several allowed; or --data shapes[:SEED] for the"
          + " caption pairs of the synthetic shapes dataset.",
      "Writes OUT/final (transformers folder of the student), OUT/final-ema, OUT/checkpoints,"
          + " OUT/log.jsonl and OUT/loss.png."
    })
final class TrainTextEncoderCommand implements Callable<Integer> {
  @Option(
      names = "--teacher",
      required = true,
      paramLabel = "DIR",
      description = "CLIP text model folder (config.json + model.safetensors).")
  Path teacher;

  @Option(
      names = "--teacher-tokenizer",
      paramLabel = "DIR",
      description = "CLIP tokenizer folder (vocab.json + merges.txt). Default: the teacher folder.")
  Path teacherTokenizer;

  @Option(
      names = "--student",
      required = true,
      paramLabel = "DIR",
      description =
          "Student folder: config.json of a RobertaSeriesModelWithTransformation, and weights"
              + " (without weights: --init-student).")
  Path student;

  @Option(
      names = "--student-tokenizer",
      paramLabel = "DIR",
      description =
          "XLM-R tokenizer folder (sentencepiece.bpe.model). Default: the student folder.")
  Path studentTokenizer;

  @Option(
      names = "--init-student",
      description =
          "Start the student from random weights (seeded by --seed) instead of its folder's"
              + " weights.")
  boolean initStudent;

  @Option(
      names = "--data",
      required = true,
      split = ",",
      paramLabel = "FILE",
      description =
          "Parallel text: .jsonl or .tsv files (comma-separated or repeated), or shapes[:SEED].")
  List<String> data;

  @Option(
      names = "--no-english-pairs",
      description = "Do not add an English-English pair for each English sentence of the files.")
  boolean noEnglishPairs;

  @Option(
      names = "--loss",
      defaultValue = "mse",
      description = "mse (the recipe's) or cosine. Default ${DEFAULT-VALUE}.")
  String loss;

  @Option(
      names = "--max-length",
      defaultValue = "77",
      description =
          "Tokens per sentence for both tokenizers (padding/truncation). Default ${DEFAULT-VALUE}.")
  int maxLength;

  @Mixin TrainingOptions training;
  @Mixin DistributedOptions distributed;
  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    training.device.resolve(); // a missing GPU fails before anything starts
    training.mixedPrecision(); // as does an unknown --mixed-precision
    Integer launched = distributed.launchIfAsked(spec);
    if (launched != null) return launched;
    Torch.init();
    var config = training.config();
    TextDistillation.Loss lossKind = TextDistillation.Loss.parse(loss);
    ParallelText pairs = readData();
    ComputeDevice device = distributed.deviceOf(training.device);
    var teacherModel = ClipTextModel.fromPretrained(teacher);
    var studentModel =
        new RobertaSeriesModelWithTransformation(
            RobertaSeriesConfig.read(student.resolve("config.json")));
    if (initStudent) {
      studentModel.initialize(Tensors.generator(config.seed()));
    } else {
      try (var weights = TextEncoderFiles.openWeights(student)) {
        studentModel.load(weights);
      }
    }
    teacherModel.moveTo(device);
    studentModel.moveTo(device);
    PromptTokenizer studentTok =
        PromptTokenizer.load(studentTokenizer != null ? studentTokenizer : student);
    PromptTokenizer teacherTok =
        PromptTokenizer.load(teacherTokenizer != null ? teacherTokenizer : teacher);
    checkLength(maxLength, studentModel.maxTokens(), "student");
    checkLength(maxLength, teacherModel.maxTokens(), "teacher");
    ObjectNode sources = new ObjectMapper().createObjectNode();
    sources.put("teacher", teacher.toAbsolutePath().normalize().toString());
    sources.put("student", student.toAbsolutePath().normalize().toString());
    sources.put("init_student", initStudent);
    sources.put("data", String.join(",", data));
    sources.put("english_pairs", !noEnglishPairs);
    sources.put("max_length", maxLength);
    var task =
        new TextDistillation(
            studentModel,
            teacherModel,
            TextDistillation.Tokenize.with(studentTok, maxLength),
            TextDistillation.Tokenize.with(teacherTok, maxLength),
            pairs,
            lossKind,
            student,
            sources);
    try (Distributed dist = distributed.connect(config.batchSize(), device)) {
      Files.createDirectories(training.out);
      if (dist.isMain())
        System.err.println(
            "train-text-encoder: "
                + pairs.describe()
                + "; "
                + task.trainable().size()
                + " trained tensors, "
                + studentModel.parameterCount()
                + " weights; world size "
                + dist.worldSize());
      Trainer.Result r = new Trainer<>(config, task, dist, training.trainerOptions()).run();
      if (dist.isMain()) {
        System.out.printf(
            Locale.ROOT,
            "trained %d steps: loss %.6f -> %.6f; %d steps skipped; output in %s%n",
            r.steps(),
            r.firstLoss(),
            r.lastLoss(),
            r.skippedSteps(),
            training.out);
      }
    }
    return 0;
  }

  private ParallelText readData() throws java.io.IOException {
    if (data.size() == 1 && data.get(0).toLowerCase(Locale.ROOT).startsWith("shapes")) {
      String spec = data.get(0);
      long seed =
          spec.contains(":") ? Long.parseLong(spec.substring(spec.indexOf(':') + 1).trim()) : 0;
      return ShapesTrainingData.parallelText(seed);
    }
    return ParallelText.read(data.stream().map(Path::of).toList(), !noEnglishPairs);
  }

  private static void checkLength(int maxLength, int modelMax, String who) {
    if (maxLength < 2 || maxLength > modelMax) {
      throw new IllegalArgumentException(
          "--max-length "
              + maxLength
              + " does not fit the "
              + who
              + " (2.."
              + modelMax
              + " tokens)");
    }
  }
}
