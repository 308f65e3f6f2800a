"""Reference fixtures for the pure-Java tokenizers (package org.altdiffusion.tokenizer).

Regenerate (deterministic: single-threaded training, fixed seeds, fixed corpus):

    tools/reference/.venv/bin/python tools/reference/make_tokenizer_fixtures.py

Writes src/test/resources/fixtures/tokenizer/:
  xlmr/                 XLMRobertaTokenizer.save_pretrained of a small sentencepiece UNIGRAM model
                        (nmt_nfkc precompiled charsmap, 2 user-defined symbols, no byte fallback, so
                        <unk> happens) + tokenizer.json of XLMRobertaTokenizerFast converted from it.
  sp_bpe.model          a small sentencepiece BPE model with byte_fallback and a custom normalization
                        rule table (tiny precompiled charsmap with overlapping multi-character rules).
  clip/                 a tiny byte-level CLIP BPE (vocab.json + merges.txt, pad <|endoftext|>) as
                        CLIPTokenizer.save_pretrained + the converted CLIPTokenizerFast tokenizer.json.
  clip_pad_bang/        the same vocabulary with pad_token "!" (SD 2.x / open_clip style); "!" then is
                        an added token, so "bang*" fields are recorded where ids differ from "slow".
  xlmr_cases.jsonl      one line per corpus sentence: text; ids of XLMRobertaTokenizer ("slow") and
                        XLMRobertaTokenizerFast ("fast") with padding="max_length", max_length=77,
                        truncation=True (trailing padding cut off; "*_mask" = attention-mask sum;
                        "*_len" = token count with <s></s> before truncation); raw sentencepiece ids of
                        both models ("sp_uni", "sp_bpe").
  clip_cases.jsonl      the same corpus through CLIPTokenizer / CLIPTokenizerFast (max_length 77).
  manifest.json         versions, counts, and the sentences where slow and fast disagree.

Notes recorded by this script:
  - A Python str with an unpaired surrogate is rejected by sentencepiece and XLMRobertaTokenizer
    ("not a string"); XLMRobertaTokenizerFast replaces each unpaired surrogate with U+FFFD (its ids for
    "a\ud800b" are in the manifest). Such strings cannot be written to JSON, so the Java tests check
    that case on their own.
  - ftfy is not installed in the reference environment, so CLIPTokenizer uses its BasicTokenizer
    fallback (as diffusers users without ftfy get).
"""

import json
import os
import shutil
import sys
import tempfile
from collections import Counter

import sentencepiece as spm
import tokenizers
import transformers
from transformers import CLIPTokenizer, CLIPTokenizerFast, XLMRobertaTokenizer, XLMRobertaTokenizerFast
from transformers.convert_slow_tokenizer import import_protobuf

sp_model_pb2 = import_protobuf()  # the ModelProto classes transformers itself uses

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tokenizer_corpus import LANGUAGES, sentences  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT = os.path.join(ROOT, "src", "test", "resources", "fixtures", "tokenizer")
MAX_LEN = 77
LONE_SURROGATE_TEXT = "a\ud800b"
# Malformed UTF-8 given to sentencepiece as bytes: each bad byte becomes U+FFFD (not normalized).
MALFORMED_UTF8 = [b"ab\xffcd", b"\xc3", b"a\xc3(b", b"\xed\xa0\x80x", b"\xf0\x9f\x98", b"\xef\xbf\xbd",
                  b"  \x80  x\xc0\xaf ", b"\xf8\x88\x80\x80\x80", b"\xc0\x80", b"caf\xc3\xa9\xe9"]

# Custom normalization rules for the BPE model (source code points -> target code points, hex).
# Includes overlapping multi-character keys ("ab" and "abc") to check longest-prefix matching,
# deletions (empty target) and whitespace mappings.
BPE_RULES = [
    ("9", "20"), ("A", "20"), ("D", "20"), ("3000", "20"), ("A0", "20"),
    ("61 62", "58"), ("61 62 63", "59"), ("78 79 7A", "21 21"),
    ("65 301", "E9"), ("41 30A", "C5"),
    ("AD", ""), ("200B", ""),
] + [(f"{0xFF21 + i:X}", f"{0x41 + i:X}") for i in range(26)] + [(f"{0xFF41 + i:X}", f"{0x61 + i:X}") for i in range(26)]


def training_corpus(test_sentences):
    """Test sentences plus the full template cross product (more text, so the vocabulary grows)."""
    lines = [s for s in test_sentences if s.strip()]
    for fmt, nouns, places, styles, hand in LANGUAGES.values():
        for n in nouns:
            for p in places:
                for s in styles:
                    lines.append(fmt.format(n=n, p=p, s=s))
    # No newlines inside a training line.
    return [" ".join(l.split("\n")).replace("\r", " ") for l in lines]


def train_models(tmp, corpus):
    path = os.path.join(tmp, "corpus.txt")
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(corpus) + "\n")
    common = dict(input=path, num_threads=1, minloglevel=2, shuffle_input_sentence=False,
                  hard_vocab_limit=False, seed_sentencepiece_size=200000)
    spm.SentencePieceTrainer.train(
        model_prefix=os.path.join(tmp, "uni"), model_type="unigram", vocab_size=4000,
        character_coverage=0.995, normalization_rule_name="nmt_nfkc",
        user_defined_symbols=["<city>", "™"], **common)
    rules = os.path.join(tmp, "rules.tsv")
    with open(rules, "w", encoding="utf-8") as f:
        f.write("".join(f"{a}\t{b}\n" for a, b in BPE_RULES))
    spm.SentencePieceTrainer.train(
        model_prefix=os.path.join(tmp, "bpe"), model_type="bpe", vocab_size=1500,
        character_coverage=0.98, byte_fallback=True, normalization_rule_tsv=rules, **common)
    models = os.path.join(tmp, "uni.model"), os.path.join(tmp, "bpe.model")
    for m in models:  # drop the temporary paths the trainer records, so the bytes are reproducible
        proto = sp_model_pb2.ModelProto()
        with open(m, "rb") as f:
            proto.ParseFromString(f.read())
        del proto.trainer_spec.input[:]
        proto.trainer_spec.model_prefix = ""
        proto.normalizer_spec.normalization_rule_tsv = ""
        with open(m, "wb") as f:
            f.write(proto.SerializeToString())
    return models


def bytes_to_unicode():
    """GPT-2/CLIP byte -> printable character table (same construction as CLIP)."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, [chr(c) for c in cs]))


def train_clip_bpe(tmp, corpus, num_merges=1500):
    """A tiny CLIP-style BPE: words as CLIP pre-tokenizes them, greedy merges by pair frequency
    (ties broken by the pair itself), vocabulary laid out like CLIP's (bytes, bytes+</w>, merges,
    then <|startoftext|> <|endoftext|>)."""
    import regex as re
    byte_encoder = bytes_to_unicode()
    pat = re.compile(r"""'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+""", re.IGNORECASE)
    words = Counter()
    for line in corpus:
        for tok in re.findall(pat, " ".join(line.lower().split())):
            words["".join(byte_encoder[b] for b in tok.encode("utf-8"))] += 1
    seqs = {w: tuple(w[:-1]) + (w[-1] + "</w>",) for w in words}
    merges = []
    for _ in range(num_merges):
        pairs = Counter()
        for w, c in words.items():
            s = seqs[w]
            for a, b in zip(s, s[1:]):
                pairs[(a, b)] += c
        if not pairs:
            break
        best = min(pairs.items(), key=lambda kv: (-kv[1], kv[0]))[0]
        merges.append(best)
        for w in words:
            s = seqs[w]
            out, i = [], 0
            while i < len(s):
                if i + 1 < len(s) and (s[i], s[i + 1]) == best:
                    out.append(s[i] + s[i + 1])
                    i += 2
                else:
                    out.append(s[i])
                    i += 1
            seqs[w] = tuple(out)
    vocab_list = list(byte_encoder.values())
    vocab_list += [v + "</w>" for v in vocab_list]
    for a, b in merges:
        if a + b not in vocab_list:
            vocab_list.append(a + b)
    vocab_list += ["<|startoftext|>", "<|endoftext|>"]
    vocab = {t: i for i, t in enumerate(vocab_list)}
    vocab_file = os.path.join(tmp, "vocab.json")
    merges_file = os.path.join(tmp, "merges.txt")
    with open(vocab_file, "w", encoding="utf-8") as f:
        json.dump(vocab, f, ensure_ascii=False)
    with open(merges_file, "w", encoding="utf-8") as f:
        f.write("#version: 0.2\n" + "".join(f"{a} {b}\n" for a, b in merges))
    return vocab_file, merges_file


def encode(tok, text):
    enc = tok(text, padding="max_length", max_length=MAX_LEN, truncation=True)
    ids, mask = list(enc["input_ids"]), list(enc["attention_mask"])
    assert len(ids) == MAX_LEN and len(mask) == MAX_LEN
    real = sum(mask)
    assert mask == [1] * real + [0] * (MAX_LEN - real)
    assert all(i == tok.pad_token_id for i in ids[real:])
    full = len(tok(text)["input_ids"])
    return ids[:real], real, full


def write_jsonl(path, rows):
    with open(path, "w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")


def main():
    texts = sentences()
    corpus = training_corpus(texts)
    if os.path.isdir(OUT):
        shutil.rmtree(OUT)
    os.makedirs(OUT)
    tmp = tempfile.mkdtemp()
    uni_model, bpe_model = train_models(tmp, corpus)
    shutil.copy(bpe_model, os.path.join(OUT, "sp_bpe.model"))

    # XLM-R slow tokenizer folder, then the fast one converted from it.
    xdir = os.path.join(OUT, "xlmr")
    slow = XLMRobertaTokenizer(vocab_file=uni_model, model_max_length=MAX_LEN)
    slow.save_pretrained(xdir)
    slow = XLMRobertaTokenizer.from_pretrained(xdir)
    fast = XLMRobertaTokenizerFast.from_pretrained(xdir, from_slow=True)
    fast_dir = os.path.join(tmp, "fast")
    fast.save_pretrained(fast_dir)
    shutil.copy(os.path.join(fast_dir, "tokenizer.json"), os.path.join(xdir, "tokenizer.json"))
    fast = XLMRobertaTokenizerFast.from_pretrained(xdir)

    sp_uni = spm.SentencePieceProcessor(model_file=uni_model)
    sp_bpe = spm.SentencePieceProcessor(model_file=bpe_model)
    # sentencepiece and the slow tokenizer reject unpaired surrogates (documented above; checked
    # here); the fast tokenizer replaces each with U+FFFD (its ids are recorded in the manifest).
    for tok in (sp_uni.encode, slow):
        try:
            tok(LONE_SURROGATE_TEXT)
            raise SystemExit("expected the reference to reject an unpaired surrogate")
        except (TypeError, UnicodeEncodeError):
            pass
    fast_surrogate = encode(fast, LONE_SURROGATE_TEXT)[0]
    assert fast_surrogate == encode(fast, LONE_SURROGATE_TEXT.replace("\ud800", "\ufffd"))[0]

    rows, disagree = [], []
    for i, t in enumerate(texts):
        s_ids, s_mask, s_len = encode(slow, t)
        f_ids, f_mask, f_len = encode(fast, t)
        row = {"text": t, "slow": s_ids, "slow_mask": s_mask, "slow_len": s_len,
               "fast": f_ids, "fast_mask": f_mask, "fast_len": f_len,
               "sp_uni": sp_uni.encode(t), "sp_bpe": sp_bpe.encode(t)}
        rows.append(row)
        if s_ids != f_ids or s_len != f_len:
            disagree.append(i)
    write_jsonl(os.path.join(OUT, "xlmr_cases.jsonl"), rows)

    # CLIP: tiny byte-level BPE, slow and fast, two padding conventions.
    vocab_file, merges_file = train_clip_bpe(tmp, corpus)
    cdir = os.path.join(OUT, "clip")
    CLIPTokenizer(vocab_file, merges_file, model_max_length=MAX_LEN).save_pretrained(cdir)
    cslow = CLIPTokenizer.from_pretrained(cdir)
    cfast = CLIPTokenizerFast.from_pretrained(cdir, from_slow=True)
    cfast.save_pretrained(os.path.join(tmp, "cfast"))
    shutil.copy(os.path.join(tmp, "cfast", "tokenizer.json"), os.path.join(cdir, "tokenizer.json"))
    cfast = CLIPTokenizerFast.from_pretrained(cdir)
    bdir = os.path.join(OUT, "clip_pad_bang")
    CLIPTokenizer(vocab_file, merges_file, model_max_length=MAX_LEN, pad_token="!").save_pretrained(bdir)
    cbang = CLIPTokenizer.from_pretrained(bdir)
    assert cbang.pad_token_id == 0

    crows, cdisagree = [], []
    for i, t in enumerate(texts):
        s_ids, s_mask, s_len = encode(cslow, t)
        f_ids, f_mask, f_len = encode(cfast, t)
        row = {"text": t, "slow": s_ids, "slow_mask": s_mask, "slow_len": s_len,
               "fast": f_ids, "fast_mask": f_mask, "fast_len": f_len}
        b_ids, b_mask, b_len = encode(cbang, t)
        if (b_ids, b_mask, b_len) != (s_ids, s_mask, s_len):  # "!" is an added token there
            row.update({"bang": b_ids, "bang_mask": b_mask, "bang_len": b_len})
        crows.append(row)
        if s_ids != f_ids or s_len != f_len:
            cdisagree.append(i)
    write_jsonl(os.path.join(OUT, "clip_cases.jsonl"), crows)

    manifest = {
        "generator": "tools/reference/make_tokenizer_fixtures.py",
        "versions": {"transformers": transformers.__version__, "tokenizers": tokenizers.__version__,
                     "sentencepiece": spm.__version__},
        "max_length": MAX_LEN,
        "sentences": len(texts),
        "xlmr_vocab_size": len(slow),
        "sp_unigram_pieces": sp_uni.get_piece_size(),
        "sp_bpe_pieces": sp_bpe.get_piece_size(),
        "clip_vocab_size": len(cslow),
        "fast_ids_for_a_U+D800_b": fast_surrogate,
        "sp_malformed_utf8": [{"hex": b.hex(), "sp_uni": sp_uni.encode(b), "sp_bpe": sp_bpe.encode(b)}
                              for b in MALFORMED_UTF8],
        "xlmr_slow_fast_disagree": disagree,
        "clip_slow_fast_disagree": cdisagree,
    }
    with open(os.path.join(OUT, "manifest.json"), "w", encoding="utf-8") as f:
        json.dump(manifest, f, indent=1)
    shutil.rmtree(tmp)
    print(json.dumps({k: (len(v) if isinstance(v, list) else v) for k, v in manifest.items()}, indent=1))


if __name__ == "__main__":
    main()
