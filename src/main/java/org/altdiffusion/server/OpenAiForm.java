package org.altdiffusion.server;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.altdiffusion.image.BadImageException;
import org.altdiffusion.image.ImageHeader;
import org.altdiffusion.image.ImageLimits;
import org.altdiffusion.server.OpenAiJson.OpenAiException;

/**
 * A multipart request of the OpenAI images API (edits, variations): its text fields as {@link
 * OpenAiParams} and its files; each field checked against what the route accepts.
 */
record OpenAiForm(OpenAiParams params, Map<String, Multipart.Part> files) {
  ImageHeader image() {
    return checkImage("image", imageBytes());
  }

  byte[] imageBytes() {
    Multipart.Part p = files.get("image");
    if (p == null) p = files.get("image[]");
    if (p == null)
      throw OpenAiJson.invalid(
          "image", "image is required: upload the picture as a file (PNG, JPEG, BMP or GIF)");
    return p.data();
  }

  static OpenAiForm parse(Request request, Set<String> fields, Set<String> fileFields) {
    List<Multipart.Part> parts =
        Multipart.parse(request.headers().getFirst("Content-Type"), request.body());
    ObjectNode text = Json.object();
    Map<String, Multipart.Part> files = new LinkedHashMap<>();
    for (Multipart.Part part : parts) {
      String name = part.name();
      if (fileFields.contains(name)) {
        if (!part.isFile())
          throw OpenAiJson.invalid(name, name + " must be a file upload, not a text field");
        if (files.containsKey(name) || (name.startsWith("image") && files.containsKey(other(name))))
          throw OpenAiJson.invalid(
              name, "only one " + name + " is accepted (this server edits one picture)");
        files.put(name, part);
      } else if (LIST_FIELDS.contains(name)) {
        if (part.isFile())
          throw OpenAiJson.invalid(name, name + " must be a text field, not a file upload");
        String list = name.replace("[]", "");
        if (!text.has(list)) text.putArray(list);
        ((ArrayNode) text.get(list)).add(part.text());
      } else if (fields.contains(name)) {
        if (part.isFile())
          throw OpenAiJson.invalid(name, name + " must be a text field, not a file upload");
        if (text.has(name)) throw OpenAiJson.invalid(name, name + " is given more than once");
        text.put(name, part.text());
      } else {
        throw unknown(name, fields, fileFields);
      }
    }
    return new OpenAiForm(new OpenAiParams(text, true), files);
  }

  private static String other(String imageField) {
    return imageField.equals("image") ? "image[]" : "image";
  }

  static OpenAiException unknown(String name, Set<String> fields, Set<String> fileFields) {
    Set<String> all = new TreeSet<>(fields);
    all.addAll(fileFields);
    return OpenAiJson.invalid(
        name,
        "unrecognized request argument '"
            + Json.abbreviate(name)
            + "'; accepted: "
            + String.join(", ", all));
  }

  static ImageHeader checkImage(String field, byte[] bytes) {
    try {
      return ImageLimits.UPLOADS.check(ImageHeader.read(bytes));
    } catch (BadImageException e) {
      if (e.problem() == BadImageException.Problem.TOO_LARGE)
        throw new OpenAiException(
            new OpenAiJson.Error(
                413,
                field + " is " + e.getMessage(),
                "invalid_request_error",
                field,
                "payload_too_large"));
      throw OpenAiJson.invalid(field, field + " is " + e.getMessage());
    }
  }

  /** Form fields that may repeat, each a list item ({@code styles} or {@code styles[]}). */
  private static final Set<String> LIST_FIELDS = Set.of("styles", "styles[]");
}
