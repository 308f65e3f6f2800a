"""Checks the tokenizers our Java code trains for the tiny AltDiffusion against the reference readers.

Run (the first command builds both tokenizers and dumps our ids of every caption of the dataset):

    ./altdiffusion tiny tokenizers --out /tmp/tiny-tok --ids /tmp/tiny-tok/ids.jsonl
    tools/reference/.venv/bin/python tools/reference/check_tiny_tokenizer.py /tmp/tiny-tok [--write-fixture]

Checks:
  - /tmp/tiny-tok/multilingual loads with Python sentencepiece and transformers' XLMRobertaTokenizer
    (slow; the fast one converted from it is reported too); for every caption (18 languages, every
    combination and template) the ids and attention mask with padding="max_length", max_length=32,
    truncation=True equal ours, and none is <unk>.
  - /tmp/tiny-tok/english loads with transformers' CLIPTokenizer; same comparison on the English captions.
  - For information: Python sentencepiece's own unigram trainer on the same training sentences (same
    vocabulary size, identity normalization, character coverage 1.0): piece overlap, tokens per caption.

--write-fixture records the reference ids of every 10th caption in
src/test/resources/fixtures/tiny/tokenizer_reference.json (deterministic: same input, same file); the
Java test rebuilds the tokenizers (seed 0, default vocabulary size) and compares.
Exit status 1 when any comparison fails.
"""

import json
import os
import sys
import tempfile

import sentencepiece as spm
from transformers import CLIPTokenizer, XLMRobertaTokenizer, XLMRobertaTokenizerFast
from transformers.convert_slow_tokenizer import import_protobuf

# transformers' copy of sentencepiece_model.proto (importing sentencepiece's too would clash with it)
sentencepiece_model_pb2 = import_protobuf()

MAX_LENGTH = 32
FIXTURE = os.path.join(os.path.dirname(__file__), "..", "..", "src", "test", "resources", "fixtures", "tiny",
                       "tokenizer_reference.json")


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    if len(args) != 1:
        sys.exit(__doc__)
    folder = args[0]
    write_fixture = "--write-fixture" in sys.argv
    lines = [json.loads(l) for l in open(os.path.join(folder, "ids.jsonl"), encoding="utf-8")]
    ok = True

    model_file = os.path.join(folder, "multilingual", "sentencepiece.bpe.model")
    proto = sentencepiece_model_pb2.ModelProto()
    proto.ParseFromString(open(model_file, "rb").read())
    print(f"sentencepiece model: {len(proto.pieces)} pieces, model_type "
          f"{sentencepiece_model_pb2.TrainerSpec.ModelType.Name(proto.trainer_spec.model_type)}, "
          f"normalizer '{proto.normalizer_spec.name}', charsmap {len(proto.normalizer_spec.precompiled_charsmap)} bytes")
    sp = spm.SentencePieceProcessor(model_file=model_file)
    slow = XLMRobertaTokenizer.from_pretrained(os.path.join(folder, "multilingual"))
    fast = XLMRobertaTokenizerFast.from_pretrained(os.path.join(folder, "multilingual"), from_slow=True)
    clip = CLIPTokenizer.from_pretrained(os.path.join(folder, "english"))
    print(f"XLMRobertaTokenizer: vocab {slow.vocab_size} (+{len(slow.get_vocab()) - slow.vocab_size} added), "
          f"model_max_length {slow.model_max_length}; CLIPTokenizer: vocab {clip.vocab_size}, "
          f"model_max_length {clip.model_max_length}")

    same_slow = same_fast = same_sp = same_clip = english = unknown = 0
    first_diff = []
    for line in lines:
        text = line["text"]
        ours = line["multilingual"]
        ref = slow(text, padding="max_length", max_length=MAX_LENGTH, truncation=True)
        if ref["input_ids"] == ours["input_ids"] and ref["attention_mask"] == ours["attention_mask"]:
            same_slow += 1
        elif len(first_diff) < 5:
            first_diff.append((text, ours["input_ids"], ref["input_ids"]))
        if slow.unk_token_id in ref["input_ids"]:
            unknown += 1
        # sentencepiece itself: its ids shifted by one for fairseq (its <unk> 0 -> 3), between <s> and </s>
        content = ours["input_ids"][1:sum(ours["attention_mask"]) - 1]
        same_sp += [i + 1 if i else 3 for i in sp.encode(text)] == content
        ref_fast = fast(text, padding="max_length", max_length=MAX_LENGTH, truncation=True)
        same_fast += ref_fast["input_ids"] == ours["input_ids"]
        if "english" in line:
            english += 1
            ref_clip = clip(text, padding="max_length", max_length=MAX_LENGTH, truncation=True)
            if ref_clip["input_ids"] == line["english"]["input_ids"] and ref_clip["attention_mask"] == line["english"]["attention_mask"]:
                same_clip += 1
            elif len(first_diff) < 5:
                first_diff.append((text, line["english"]["input_ids"], ref_clip["input_ids"]))
    n = len(lines)
    print(f"multilingual: {same_slow}/{n} captions give identical ids and masks with XLMRobertaTokenizer; "
          f"{unknown} contain <unk>; sentencepiece's own ids (shifted) agree on {same_sp}/{n}; "
          f"XLMRobertaTokenizerFast (converted) agrees on {same_fast}/{n}")
    print(f"english: {same_clip}/{english} captions give identical ids and masks with CLIPTokenizer")
    for text, ours, ref in first_diff:
        print(f"  differs: {text!r}\n    ours {ours}\n    ref  {ref}")
    ok = same_slow == n and same_sp == n and unknown == 0 and same_clip == english and english > 0

    compare_with_sentencepiece_trainer(lines, proto, slow)

    if write_fixture:
        def trimmed(ids, pad):  # trailing padding cut off (the test pads back to max_length)
            while ids and ids[-1] == pad:
                ids = ids[:-1]
            return ids

        cases = []
        for l in lines[::10]:
            case = {"language": l["language"], "text": l["text"],
                    "multilingual": trimmed(slow(l["text"], padding="max_length", max_length=MAX_LENGTH,
                                                 truncation=True)["input_ids"], slow.pad_token_id)}
            if "english" in l:
                # CLIP pads with <|endoftext|>, its end token too: keep the first one
                ids = clip(l["text"], padding="max_length", max_length=MAX_LENGTH, truncation=True)["input_ids"]
                case["english"] = ids[:ids.index(clip.eos_token_id) + 1]
            cases.append(case)
        header = {
            "generated_by": "tools/reference/check_tiny_tokenizer.py --write-fixture",
            "tokenizers": "./altdiffusion tiny tokenizers (seed 0, default vocabulary size)",
            "multilingual_vocab_size": slow.vocab_size,
            "english_vocab_size": clip.vocab_size,
            "max_length": MAX_LENGTH,
        }
        os.makedirs(os.path.dirname(FIXTURE), exist_ok=True)
        with open(FIXTURE, "w", encoding="utf-8") as f:
            f.write(json.dumps(header, ensure_ascii=False)[:-1] + ', "cases": [\n')
            f.write(",\n".join(json.dumps(c, ensure_ascii=False) for c in cases))
            f.write("\n]}\n")
        print(f"wrote {len(cases)} cases to {os.path.normpath(FIXTURE)}")
    print("OK" if ok else "FAILED")
    sys.exit(0 if ok else 1)


def compare_with_sentencepiece_trainer(lines, proto, slow):
    """For information: sentencepiece's own trainer on our training sentences."""
    training = [l["text"] for l in lines if l["in_training"]]
    with tempfile.TemporaryDirectory() as tmp:
        corpus = os.path.join(tmp, "corpus.txt")
        with open(corpus, "w", encoding="utf-8") as f:
            f.write("\n".join(training) + "\n")
        spm.SentencePieceTrainer.train(
            input=corpus, model_prefix=os.path.join(tmp, "ref"), model_type="unigram",
            vocab_size=len(proto.pieces), character_coverage=1.0, normalization_rule_name="identity",
            num_threads=1, minloglevel=2, hard_vocab_limit=False)
        ref = spm.SentencePieceProcessor(model_file=os.path.join(tmp, "ref.model"))
    ours = {p.piece for p in proto.pieces[3:]}
    theirs = {ref.id_to_piece(i) for i in range(3, len(ref))}
    tokens_ours = sum(len(slow.tokenize(l["text"])) for l in lines) / len(lines)
    tokens_ref = sum(len(ref.encode(l["text"])) for l in lines) / len(lines)
    print(f"for information, sentencepiece's own unigram trainer on the same {len(training)} sentences: "
          f"{len(ref)} pieces, {len(ours & theirs)} of our {len(ours)} pieces in common; "
          f"mean tokens per caption (no specials) ours {tokens_ours:.2f}, sentencepiece's {tokens_ref:.2f}")


if __name__ == "__main__":
    main()
