package dev.orchestra.cdk;
