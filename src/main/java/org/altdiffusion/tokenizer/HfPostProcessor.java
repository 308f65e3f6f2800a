package org.altdiffusion.tokenizer;

import java.util.ArrayList;
import java.util.List;

/** The special tokens a tokenizer.json post-processor puts around a single sequence. */
final class HfPostProcessor {
  private HfPostProcessor() {}

  /**
   * Appends to {@code prefix} / {@code suffix} the ids this post-processor adds before / after the
   * sequence.
   */
  static void singleSequence(Json.Node n, List<Integer> prefix, List<Integer> suffix) {
    String type = n.get("type").text();
    switch (type) {
      case "TemplateProcessing" -> {
        Json.Node single = n.get("single").array();
        Json.Node specials = n.get("special_tokens").object();
        List<Integer> before = new ArrayList<>();
        List<Integer> after = new ArrayList<>();
        boolean seenSequence = false;
        for (int i = 0; i < single.size(); i++) {
          Json.Node item = single.at(i).object();
          if (item.has("Sequence")) {
            if (seenSequence)
              throw item.error("a single-sequence template may hold the sequence only once");
            seenSequence = true;
          } else if (item.has("SpecialToken")) {
            String name = item.get("SpecialToken").get("id").text();
            Json.Node ids = specials.get(name).get("ids").array();
            for (int k = 0; k < ids.size(); k++)
              (seenSequence ? after : before).add(ids.at(k).integer());
          } else {
            throw item.error("expected a Sequence or a SpecialToken");
          }
        }
        if (!seenSequence) throw single.error("the template has no $A sequence");
        prefix.addAll(0, before);
        suffix.addAll(after);
      }
      case "RobertaProcessing", "BertProcessing" -> {
        prefix.add(0, n.get("cls").array().at(1).integer());
        suffix.add(n.get("sep").array().at(1).integer());
      }
      case "ByteLevel" -> {} // offsets only
      case "Sequence" -> {
        Json.Node list = n.get("processors").array();
        for (int i = 0; i < list.size(); i++) singleSequence(list.at(i), prefix, suffix);
      }
      default ->
          throw n.get("type")
              .error(
                  "post-processor \""
                      + type
                      + "\" is not supported (supported: TemplateProcessing, RobertaProcessing,"
                      + " BertProcessing, ByteLevel, Sequence)");
    }
  }
}
