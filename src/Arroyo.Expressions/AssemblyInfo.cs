namespace Arroyo.Expressions;
