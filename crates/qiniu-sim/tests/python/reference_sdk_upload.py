"""Black-box check: the reference Python SDK (qiniu 7.18) against qiniu-sim.

Usage: python reference_sdk_upload.py BASE_URL ACCESS_KEY SECRET_KEY BUCKET WORK_DIR
Prints one JSON line describing what was uploaded; exits non-zero on any mismatch.
"""

import json
import os
import sys
import urllib.parse
import urllib.request

import qiniu


def make_file(path, size, seed):
    block = bytes((i * 31 + seed) % 251 for i in range(1 << 16))
    with open(path, "wb") as f:
        written = 0
        while written < size:
            n = min(len(block), size - written)
            f.write(block[:n])
            written += n


def check(ret, info, path, key):
    assert info.status_code == 200, f"{key}: {info}"
    assert info.req_id, f"{key}: no X-Reqid"
    assert ret is not None, f"{key}: {info}"
    assert ret["key"] == key, ret
    expected = qiniu.etag(path)
    assert ret["hash"] == expected, (ret, expected)
    return ret["hash"]


def main():
    base, ak, sk, bucket, work = sys.argv[1:6]
    netloc = urllib.parse.urlparse(base).netloc
    auth = qiniu.Auth(ak, sk)
    region = qiniu.Region(up_host=netloc, rs_host=netloc, rsf_host=netloc, scheme="http")

    small = os.path.join(work, "small.bin")
    big = os.path.join(work, "big.bin")
    make_file(small, 300 * 1024 + 7, 1)
    make_file(big, 10 * 1024 * 1024 + 5, 2)

    results = {}
    cases = [
        ("py/form.bin", small, lambda t, k, p: qiniu.put_file(t, k, p, version="v2", regions=[region])),
        ("py/v2.bin", big, lambda t, k, p: qiniu.put_file(t, k, p, version="v2", regions=[region])),
        ("py/v2-explicit.bin", big, lambda t, k, p: qiniu.put_file_v2(
            t, k, p, part_size=4 * 1024 * 1024, params={"x:course": "42"}, regions=[region])),
    ]
    for key, path, upload in cases:
        token = auth.upload_token(bucket, key, 3600)
        ret, info = upload(token, key, path)
        results[key] = check(ret, info, path, key)

    # Management signed by the reference SDK (Qiniu scheme with X-Qiniu-Date).
    manager = qiniu.BucketManager(auth, regions=[region])
    ret, info = manager.stat(bucket, "py/v2.bin")
    assert info.status_code == 200, info
    assert ret["hash"] == results["py/v2.bin"] and ret["fsize"] == os.path.getsize(big), ret
    ret, info = manager.stat(bucket, "py/missing")
    assert info.status_code == 612, info

    # Private download URL signed by the reference SDK.
    url = auth.private_download_url(f"{base}/{bucket}/py/form.bin", expires=300)
    with urllib.request.urlopen(url) as response:
        body = response.read()
    with open(small, "rb") as f:
        assert body == f.read(), "downloaded bytes differ"

    results["files"] = {"small": small, "big": big}
    print(json.dumps(results))


if __name__ == "__main__":
    main()
