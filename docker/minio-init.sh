#!/bin/sh
# One-shot MinIO setup (run by the `minio-init` compose service in the minio/mc image). Idempotent.
#   - the artifact bucket ($LORAFORGE_BUCKET) and MLflow's artifact bucket ($MLFLOW_BUCKET);
#   - per tenant listed in $LORAFORGE_TENANTS ("acme:SECRET globex:SECRET", space separated), a
#     user named after the tenant whose policy reaches only $LORAFORGE_BUCKET/<tenant>/*, the prefix
#     every run of that tenant writes under. Give the tenant's object-store block these credentials.
# POSIX sh and mc only: the mc image has no other tools.
set -eu

: "${MINIO_URL:=http://minio:9000}"
: "${LORAFORGE_BUCKET:=loraforge}"
: "${MLFLOW_BUCKET:=mlflow}"
: "${LORAFORGE_TENANTS:=}"

mc alias set local "$MINIO_URL" "$MINIO_ROOT_USER" "$MINIO_ROOT_PASSWORD"
mc mb --ignore-existing "local/$LORAFORGE_BUCKET"
mc mb --ignore-existing "local/$MLFLOW_BUCKET"

for pair in $LORAFORGE_TENANTS; do
  tenant=${pair%%:*}
  secret=${pair#*:}
  case "$tenant" in
    "" | *[!a-z0-9-]*)
      echo "minio-init: tenant '$tenant' must be lowercase letters, digits and dashes" >&2
      exit 1
      ;;
  esac
  if [ "$secret" = "$pair" ] || [ "${#secret}" -lt 8 ]; then
    echo "minio-init: tenant '$tenant' needs a secret of 8+ characters (tenant:secret)" >&2
    exit 1
  fi
  policy="${TMPDIR:-/tmp}/loraforge-$tenant.json"
  # Listing is limited to the tenant's prefix; objects outside it cannot be read or written.
  # printf, not cat: the shell builtin is all the mc image offers.
  printf '%s\n' \
    '{"Version": "2012-10-17", "Statement": [' \
    "  {\"Effect\": \"Allow\", \"Action\": [\"s3:GetBucketLocation\"], \"Resource\": [\"arn:aws:s3:::$LORAFORGE_BUCKET\"]}," \
    "  {\"Effect\": \"Allow\", \"Action\": [\"s3:ListBucket\"], \"Resource\": [\"arn:aws:s3:::$LORAFORGE_BUCKET\"]," \
    "   \"Condition\": {\"StringLike\": {\"s3:prefix\": [\"$tenant/*\"]}}}," \
    "  {\"Effect\": \"Allow\"," \
    "   \"Action\": [\"s3:GetObject\", \"s3:PutObject\", \"s3:DeleteObject\", \"s3:AbortMultipartUpload\"]," \
    "   \"Resource\": [\"arn:aws:s3:::$LORAFORGE_BUCKET/$tenant/*\"]}" \
    ']}' > "$policy"
  mc admin policy create local "loraforge-$tenant" "$policy"
  mc admin user add local "$tenant" "$secret"
  # Detach first so a rerun's attach succeeds; a real attach failure still stops the script.
  mc admin policy detach local "loraforge-$tenant" --user "$tenant" >/dev/null 2>&1 || true
  mc admin policy attach local "loraforge-$tenant" --user "$tenant"
  echo "minio-init: tenant $tenant -> $LORAFORGE_BUCKET/$tenant/*"
done
