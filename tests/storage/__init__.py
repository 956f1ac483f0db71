"""Tests of storage: migrations, repositories, the bytes on disk."""
